SELECT
  *
FROM (
  SELECT
    "t6"."products.category",
    COUNT(DISTINCT "t6"."customer_id") AS "buyers"
  FROM (
    SELECT
      "t5"."category" AS "products.category",
      "t3"."customer_id"
    FROM "orders" AS "t3"
    LEFT OUTER JOIN "order_items" AS "t4"
      ON "t3"."order_id" = "t4"."order_id"
    LEFT OUTER JOIN "products" AS "t5"
      ON "t4"."product_id" = "t5"."product_id"
  ) AS "t6"
  GROUP BY
    1
) AS "t7"
ORDER BY
  "t7"."products.category" ASC
