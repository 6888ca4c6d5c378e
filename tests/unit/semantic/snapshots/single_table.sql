SELECT
  *
FROM (
  SELECT
    "t1"."orders.status",
    SUM("t1"."total_amount") AS "orders.total_amount"
  FROM (
    SELECT
      "t0"."status" AS "orders.status",
      "t0"."total_amount"
    FROM "orders" AS "t0"
  ) AS "t1"
  GROUP BY
    1
) AS "t2"
ORDER BY
  "t2"."orders.status" ASC
