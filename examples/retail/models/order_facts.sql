-- One row per order line, with its order, customer, product and region.
SELECT
  i.order_item_id,
  o.order_id,
  o.order_date,
  o.status,
  o.channel,
  o.currency,
  o.customer_id,
  c.full_name AS customer_name,
  c.loyalty_tier,
  r.region_id,
  r.name AS region_name,
  p.product_id,
  p.sku,
  p.name AS product_name,
  p.category,
  i.quantity,
  i.unit_price,
  i.discount,
  CAST(i.quantity * i.unit_price * (1 - COALESCE(i.discount, 0)) AS DECIMAL(20, 2)) AS line_total,
  o.updated_at AS order_updated_at
FROM order_items i
JOIN orders_clean o ON o.order_id = i.order_id
JOIN customers c ON c.customer_id = o.customer_id
JOIN products p ON p.product_id = i.product_id
JOIN regions r ON r.region_id = c.region_id
