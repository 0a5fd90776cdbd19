-- Revenue per day and region, from cleaned orders that were not cancelled.
-- revenue = quantity x unit price x (1 - discount), in the currency of the order lines.
SELECT
  o.order_date,
  r.region_id,
  r.name AS region_name,
  COUNT(DISTINCT o.order_id) AS orders,
  SUM(i.quantity) AS items,
  CAST(SUM(i.quantity * i.unit_price * (1 - COALESCE(i.discount, 0))) AS DECIMAL(20, 2)) AS revenue
FROM orders_clean o
JOIN order_items i ON i.order_id = o.order_id
JOIN customers c ON c.customer_id = o.customer_id
JOIN regions r ON r.region_id = c.region_id
WHERE o.status <> 'cancelled'
GROUP BY o.order_date, r.region_id, r.name
