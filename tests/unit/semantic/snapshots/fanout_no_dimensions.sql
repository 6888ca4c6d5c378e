SELECT
  "t6"."orders.total_amount",
  "t7"."order_items.quantity"
FROM (
  SELECT
    SUM("t2"."total_amount") AS "orders.total_amount"
  FROM (
    SELECT
      "t0"."total_amount"
    FROM "orders" AS "t0"
  ) AS "t2"
) AS "t6"
CROSS JOIN (
  SELECT
    SUM("t3"."quantity") AS "order_items.quantity"
  FROM (
    SELECT
      "t1"."quantity"
    FROM "order_items" AS "t1"
  ) AS "t3"
) AS "t7"
