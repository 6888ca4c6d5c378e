SELECT
  SUM("t1"."total_amount") AS "orders.total_amount"
FROM (
  SELECT
    "t0"."total_amount",
    "t0"."status" AS "#filter0"
  FROM "orders" AS "t0"
  WHERE
    CONTAINS(LOWER("t0"."status"), 'ship')
) AS "t1"
