SELECT
  SUM("t1"."total_amount") AS "orders.total_amount"
FROM (
  SELECT
    "t0"."total_amount",
    "t0"."order_date" AS "#filter0",
    "t0"."order_date" AS "#filter1",
    "t0"."created_at" AS "#filter2",
    "t0"."order_id" AS "#filter3"
  FROM "orders" AS "t0"
  WHERE
    "t0"."order_date" >= MAKE_DATE(2023, 1, 1)
    AND "t0"."order_date" < MAKE_DATE(2024, 1, 1)
    AND "t0"."created_at" > MAKE_TIMESTAMP(2023, 2, 1, 0, 0, 0.0)
    AND "t0"."order_id" <= 18
) AS "t1"
