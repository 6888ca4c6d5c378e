SELECT
  *
FROM (
  SELECT
    "t6"."customers.segment",
    SUM("t6"."quantity") AS "order_items.quantity"
  FROM (
    SELECT
      "t5"."segment" AS "customers.segment",
      "t3"."quantity"
    FROM "order_items" AS "t3"
    LEFT OUTER JOIN "orders" AS "t4"
      ON "t3"."order_id" = "t4"."order_id"
    LEFT OUTER JOIN "customers" AS "t5"
      ON "t4"."customer_id" = "t5"."customer_id"
  ) AS "t6"
  GROUP BY
    1
) AS "t7"
ORDER BY
  "t7"."customers.segment" ASC
