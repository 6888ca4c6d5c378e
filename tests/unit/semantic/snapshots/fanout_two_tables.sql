SELECT
  *
FROM (
  SELECT
    COALESCE("t12"."customers.segment", "t13"."customers.segment") AS "customers.segment",
    "t12"."orders.total_amount",
    "t13"."order_items.quantity"
  FROM (
    SELECT
      "t8"."customers.segment",
      SUM("t8"."total_amount") AS "orders.total_amount"
    FROM (
      SELECT
        "t5"."segment" AS "customers.segment",
        "t3"."total_amount"
      FROM "orders" AS "t3"
      LEFT OUTER JOIN "customers" AS "t5"
        ON "t3"."customer_id" = "t5"."customer_id"
    ) AS "t8"
    GROUP BY
      1
  ) AS "t12"
  FULL OUTER JOIN (
    SELECT
      "t9"."customers.segment",
      SUM("t9"."quantity") AS "order_items.quantity"
    FROM (
      SELECT
        "t6"."segment" AS "customers.segment",
        "t7"."quantity"
      FROM "order_items" AS "t7"
      LEFT OUTER JOIN "orders" AS "t4"
        ON "t7"."order_id" = "t4"."order_id"
      LEFT OUTER JOIN "customers" AS "t6"
        ON "t4"."customer_id" = "t6"."customer_id"
    ) AS "t9"
    GROUP BY
      1
  ) AS "t13"
    ON "t12"."customers.segment" IS NOT DISTINCT FROM "t13"."customers.segment"
) AS "t14"
ORDER BY
  "t14"."customers.segment" ASC
