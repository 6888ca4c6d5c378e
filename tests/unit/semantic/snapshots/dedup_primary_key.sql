SELECT
  *
FROM (
  SELECT
    "t7"."products.category",
    SUM("t7"."total_amount") AS "orders.total_amount"
  FROM (
    SELECT DISTINCT
      *
    FROM (
      SELECT
        "t5"."category" AS "products.category",
        "t3"."total_amount",
        "t3"."order_id"
      FROM "orders" AS "t3"
      LEFT OUTER JOIN "order_items" AS "t4"
        ON "t3"."order_id" = "t4"."order_id"
      LEFT OUTER JOIN "products" AS "t5"
        ON "t4"."product_id" = "t5"."product_id"
    ) AS "t6"
  ) AS "t7"
  GROUP BY
    1
) AS "t8"
ORDER BY
  "t8"."products.category" ASC
