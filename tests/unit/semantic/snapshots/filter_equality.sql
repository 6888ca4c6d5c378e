SELECT
  SUM("t1"."total_amount") AS "orders.total_amount"
FROM (
  SELECT
    "t0"."total_amount",
    "t0"."status" AS "#filter0",
    "t0"."customer_id" AS "#filter1"
  FROM "orders" AS "t0"
  WHERE
    "t0"."status" = 'shipped' AND "t0"."customer_id" <> 99
) AS "t1"
