SELECT
  *
FROM (
  SELECT
    "t11"."customers.segment",
    SUM("t11"."total_amount") AS "orders.total_amount"
  FROM (
    SELECT
      "t5"."segment" AS "customers.segment",
      "t4"."total_amount"
    FROM "orders" AS "t4"
    SEMI JOIN (
      SELECT
        *
      FROM (
        SELECT
          "t6"."order_id",
          "t7"."category" AS "#filter0"
        FROM "order_items" AS "t6"
        LEFT OUTER JOIN "products" AS "t7"
          ON "t6"."product_id" = "t7"."product_id"
      ) AS "t8"
      WHERE
        "t8"."#filter0" = 'Kitchen'
    ) AS "t10"
      ON "t4"."order_id" = "t10"."order_id"
    LEFT OUTER JOIN "customers" AS "t5"
      ON "t4"."customer_id" = "t5"."customer_id"
  ) AS "t11"
  GROUP BY
    1
) AS "t12"
ORDER BY
  "t12"."customers.segment" ASC
