-- Orders, one row per order: the upstream system re-sends some orders (a later updated_at,
-- sometimes a new status); the latest version wins, ties broken by the newest row id.
SELECT order_id, customer_id, order_date, status, channel, currency, notes, created_at, updated_at
FROM (
  SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.order_id ORDER BY o.updated_at DESC, o.id DESC) AS version_rank
  FROM orders o
) ranked
WHERE version_rank = 1
