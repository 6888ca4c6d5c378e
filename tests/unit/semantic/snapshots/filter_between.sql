SELECT
  SUM("t1"."total_amount") AS "orders.total_amount"
FROM (
  SELECT
    "t0"."total_amount",
    CAST(DATE_TRUNC('MONTH', "t0"."order_date") AS DATE) AS "#filter0"
  FROM "orders" AS "t0"
  WHERE
    CAST(DATE_TRUNC('MONTH', "t0"."order_date") AS DATE) BETWEEN MAKE_DATE(2023, 1, 1) AND MAKE_DATE(2023, 6, 1)
) AS "t1"
