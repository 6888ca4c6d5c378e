SELECT DISTINCT
  *
FROM (
  SELECT
    "t6"."segment" AS "customers.segment",
    "t7"."category" AS "products.category"
  FROM "order_items" AS "t4"
  LEFT OUTER JOIN "orders" AS "t5"
    ON "t4"."order_id" = "t5"."order_id"
  LEFT OUTER JOIN "customers" AS "t6"
    ON "t5"."customer_id" = "t6"."customer_id"
  LEFT OUTER JOIN "products" AS "t7"
    ON "t4"."product_id" = "t7"."product_id"
) AS "t8"
ORDER BY
  "t8"."customers.segment" ASC,
  "t8"."products.category" ASC
