SELECT
  SUM("t5"."total_amount") AS "orders.total_amount"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t2"."total_amount",
      "t2"."customer_id" AS "#filter0",
      "t3"."segment" AS "#filter1"
    FROM "orders" AS "t2"
    LEFT OUTER JOIN "customers" AS "t3"
      ON "t2"."customer_id" = "t3"."customer_id"
  ) AS "t4"
  WHERE
    "t4"."#filter0" IS NOT NULL AND "t4"."#filter1" IS NULL
) AS "t5"
