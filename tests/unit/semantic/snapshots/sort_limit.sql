SELECT
  *
FROM (
  SELECT
    "t4"."customers.name",
    SUM("t4"."total_amount") AS "orders.total_amount"
  FROM (
    SELECT
      "t3"."name" AS "customers.name",
      "t2"."total_amount"
    FROM "orders" AS "t2"
    LEFT OUTER JOIN "customers" AS "t3"
      ON "t2"."customer_id" = "t3"."customer_id"
  ) AS "t4"
  GROUP BY
    1
) AS "t5"
ORDER BY
  "t5"."orders.total_amount" DESC,
  "t5"."customers.name" ASC
LIMIT 3
