SELECT
  *
FROM (
  SELECT
    "t4"."products.category",
    SUM("t4"."quantity" * "t4"."unit_price") AS "revenue",
    SUM("t4"."quantity" * "t4"."unit_price") / NULLIF(SUM("t4"."quantity"), 0) AS "avg_price"
  FROM (
    SELECT
      "t3"."category" AS "products.category",
      "t2"."quantity",
      "t2"."unit_price"
    FROM "order_items" AS "t2"
    LEFT OUTER JOIN "products" AS "t3"
      ON "t2"."product_id" = "t3"."product_id"
  ) AS "t4"
  GROUP BY
    1
) AS "t5"
ORDER BY
  "t5"."products.category" ASC
