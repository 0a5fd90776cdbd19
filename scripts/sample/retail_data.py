#!/usr/bin/env python3
"""The sample retail database: a deterministic generator (seeded, scale factor) and a mutator.

  retail-data load [--scale 1] [--database retail]   drop, recreate and load the tables
  retail-data mutate [--seed N] [--database retail]  new orders, updated rows, re-sent orders

Rows are written as TSV files and loaded with LOAD DATA LOCAL INFILE (scale 1 = ~1M order_items).
Credentials come from the admin options file (.dataops/secrets/admin-mysql.options) and reach the
mariadb client through a private defaults file, never its arguments.
"""

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time

REFERENCE_DAY = dt.date(2026, 11, 1)  # generated history ends here, whatever day it is
REGIONS = [
    (1, "Île-de-France", "FR", "Amélie Durand"), (2, "São Paulo", "BR", "João Silva"),
    (3, "Zürich", "CH", None), (4, "東京", "JP", "佐藤 花子"), (5, "Reykjavík", "IS", "Jón Jónsson"),
    (6, "Bayern", "DE", "Jürgen Müller"), (7, "Ontario", "CA", "Chloé Tremblay"),
    (8, "New South Wales", "AU", None), (9, "Maharashtra", "IN", "अनिल शर्मा"),
    (10, "Catalunya", "ES", "Núria Puig"), (11, "Lombardia", "IT", "Giulia Rossi"), (12, "Texas", "US", "Sam O'Neil"),
]
FIRST = ["Zoë", "Søren", "Ana", "Li", "Mateo", "Ingrid", "Yusuf", "Chloé", "Björn", "Aiko", "Olu", "Émile", "雷", "Nadia", "Kai", "Łucja"]
LAST = ["Dubois", "Ødegaard", "García", "Wang", "O'Brien", "Kowalczyk", "Nakamura", "Smith", "Müller", "Rossi", "李", "Nguyễn"]
CITIES = ["Paris", "Köln", "São Luís", "Montréal", "Kraków", "Malmö", "大阪", "Zaragoza", None]
CATEGORIES = ["books", "garden", "toys", "kitchen", "music", "sports", "beauty", "électronique"]
STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled", "returned"]
STATUS_WEIGHTS = [5, 10, 15, 60, 6, 4]
CHANNELS = ["web", "store", "mobile", "partner"]
METHODS = ["card", "paypal", "bank_transfer", "voucher"]
NOTES = ["leave at the door 📦", "gift wrap 🎁", "call before delivery", "fragile — handle with care", "Zustellung nachmittags"]

SCHEMA = """
DROP TABLE IF EXISTS payments, order_items, orders, products, customers, regions;
CREATE TABLE regions (region_id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, country_code CHAR(2) NOT NULL,
  manager VARCHAR(100) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE customers (customer_id BIGINT UNSIGNED PRIMARY KEY, email VARCHAR(255) NULL, full_name VARCHAR(200) NOT NULL,
  region_id INT NOT NULL, city VARCHAR(100) NULL, loyalty_tier ENUM('bronze','silver','gold') NOT NULL,
  signup_date DATE NOT NULL, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL, KEY (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE products (product_id INT PRIMARY KEY, sku VARCHAR(32) NOT NULL UNIQUE, name VARCHAR(200) NOT NULL,
  category VARCHAR(64) NOT NULL, unit_price DECIMAL(12,2) NOT NULL, active TINYINT(1) NOT NULL, attributes JSON NULL,
  updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE orders (id BIGINT PRIMARY KEY AUTO_INCREMENT, order_id BIGINT NOT NULL, customer_id BIGINT UNSIGNED NOT NULL,
  order_date DATE NOT NULL, status ENUM('pending','paid','shipped','delivered','cancelled','returned') NOT NULL,
  channel VARCHAR(16) NOT NULL, currency CHAR(3) NOT NULL, notes TEXT NULL, created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL, KEY (order_id), KEY (updated_at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE order_items (order_item_id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, product_id INT NOT NULL,
  quantity INT NOT NULL, unit_price DECIMAL(12,2) NOT NULL, discount DECIMAL(5,4) NULL, created_at DATETIME(6) NOT NULL,
  KEY (order_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE payments (payment_id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, amount DECIMAL(14,2) NOT NULL,
  method ENUM('card','paypal','bank_transfer','voucher') NOT NULL, paid_at DATETIME(6) NULL, created_at DATETIME(6) NOT NULL,
  KEY (order_id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""

TABLES = ["regions", "customers", "products", "orders", "order_items", "payments"]


def tsv(value):
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Writer:
    def __init__(self, folder, table):
        self.path = os.path.join(folder, table + ".tsv")
        self.handle = open(self.path, "w", encoding="utf-8")
        self.rows = 0

    def row(self, *values):
        self.handle.write("\t".join(tsv(v) for v in values) + "\n")
        self.rows += 1

    def close(self):
        self.handle.close()


def moment(rng, day):
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randrange(86400), microseconds=rng.randrange(1_000_000))


def generate(folder, scale, seed=42):
    """Writes one TSV per table. Same scale and seed -> the same bytes."""
    rng = random.Random(seed)
    writers = {table: Writer(folder, table) for table in TABLES}
    for region in REGIONS:
        writers["regions"].row(*region)
    customers = max(50, int(50_000 * scale))
    for cid in range(1, customers + 1):
        signup = REFERENCE_DAY - dt.timedelta(days=rng.randrange(3 * 365))
        created = moment(rng, signup)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" + (" 🙂" if cid % 97 == 0 else "")
        email = None if cid % 23 == 0 else f"customer{cid}@example.com"
        writers["customers"].row(cid, email, name, rng.randrange(1, len(REGIONS) + 1), rng.choice(CITIES),
                                 rng.choice(["bronze", "bronze", "silver", "gold"]), signup, created, created)
    products = max(50, int(2_000 * scale))
    prices = {}
    for pid in range(1, products + 1):
        prices[pid] = f"{rng.randrange(99, 50_000) / 100:.2f}"
        attributes = None if pid % 5 == 0 else '{"color": "%s", "weight_g": %d}' % (rng.choice(["red", "bleu", "grün"]), rng.randrange(50, 5000))
        writers["products"].row(pid, f"SKU-{pid:06d}", f"{rng.choice(CATEGORIES).title()} item {pid}", rng.choice(CATEGORIES),
                                prices[pid], 1 if pid % 11 else 0, attributes, moment(rng, REFERENCE_DAY - dt.timedelta(days=400)))
    orders = max(100, int(250_000 * scale))
    row_id = item_id = payment_id = 0
    for oid in range(1, orders + 1):
        day = REFERENCE_DAY - dt.timedelta(days=rng.randrange(365))
        created = moment(rng, day)
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        base = [oid, rng.randrange(1, customers + 1), day, status, rng.choice(CHANNELS), "EUR",
                rng.choice(NOTES) if rng.random() < 0.05 else None, created]
        row_id += 1
        writers["orders"].row(row_id, *base, created)
        if rng.random() < 0.02:  # the upstream system re-sends about 2% of orders, later, maybe with a new status
            for resend in range(rng.choice([1, 1, 2])):
                row_id += 1
                later = created + dt.timedelta(hours=rng.randrange(1, 72), microseconds=rng.randrange(1_000_000))
                writers["orders"].row(row_id, *base[:3], rng.choice(STATUSES[1:4]), *base[4:], later)
        total = 0.0
        for _ in range(rng.choice([1, 2, 3, 4, 4, 5, 6, 8])):
            item_id += 1
            pid = rng.randrange(1, products + 1)
            quantity = rng.randrange(1, 6)
            discount = None if rng.random() < 0.7 else f"{rng.choice([0.05, 0.1, 0.15, 0.2]):.4f}"
            writers["order_items"].row(item_id, oid, pid, quantity, prices[pid], discount, created)
            total += quantity * float(prices[pid]) * (1 - float(discount or 0))
        if status != "pending":
            payment_id += 1
            paid = None if status == "cancelled" else created + dt.timedelta(minutes=rng.randrange(1, 600))
            writers["payments"].row(payment_id, oid, f"{total:.2f}", rng.choice(METHODS), paid, created)
    for writer in writers.values():
        writer.close()
    return {table: writer.rows for table, writer in writers.items()}


def read_options(path):
    lines = [l.strip() for l in open(path, encoding="utf-8") if l.strip() and not l.strip().startswith("#")]
    opts = {lines[i]: lines[i + 1] for i in range(0, len(lines) - 1) if lines[i].startswith("--")}
    return opts["--username"], opts["--password"]


class Mariadb:
    def __init__(self, options_file, database, host, port):
        user, password = read_options(options_file)
        handle, self.defaults = tempfile.mkstemp(prefix="dataops-mysql-", suffix=".cnf")
        os.write(handle, f"[client]\nuser={user}\npassword={password}\nhost={host}\nport={port}\n".encode())
        os.close(handle)  # mkstemp makes it 0600
        self.database = database

    def run(self, sql, database=True):
        args = ["mariadb", f"--defaults-extra-file={self.defaults}", "--local-infile=1", "--batch", "--skip-column-names"]
        if database:
            args.append(self.database)
        result = subprocess.run(args, input=sql, text=True, capture_output=True)
        if result.returncode != 0:
            sys.exit(f"error: mariadb: {result.stderr.strip()}")
        return result.stdout

    def close(self):
        os.unlink(self.defaults)


def load(db, scale):
    started = time.time()
    db.run(f"CREATE DATABASE IF NOT EXISTS `{db.database}` CHARACTER SET utf8mb4", database=False)
    db.run(SCHEMA)
    with tempfile.TemporaryDirectory(prefix="dataops-retail-") as folder:
        generated = generate(folder, scale)
        statements = ["SET unique_checks=0; SET foreign_key_checks=0; SET sql_log_bin=0;"]
        for table in TABLES:
            statements.append(
                f"LOAD DATA LOCAL INFILE '{os.path.join(folder, table + '.tsv')}' INTO TABLE {table} "
                "CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n';")
        statements.append("ANALYZE TABLE " + ", ".join(TABLES) + ";")
        db.run("\n".join(statements))
    counts = db.run(";".join(f"SELECT '{t}', COUNT(*) FROM {t}" for t in TABLES) + ";")
    for line in counts.strip().splitlines():
        table, count = line.split("\t")
        print(f"  {table:<12} {int(count):>10,} rows" + ("" if int(count) == generated[table] else f"  (generated {generated[table]})"))
    print(f"loaded database {db.database} at scale {scale} in {time.time() - started:.1f}s")


def mutate(db, seed):
    """New orders (with items and payments), ~1% of orders updated, some customers updated, a few re-sent."""
    rng = random.Random(seed)
    mx = dict(line.split("\t") for line in db.run(
        "SELECT 'order', COALESCE(MAX(order_id),0) FROM orders; SELECT 'item', COALESCE(MAX(order_item_id),0) FROM order_items;"
        "SELECT 'payment', COALESCE(MAX(payment_id),0) FROM payments; SELECT 'customers', COUNT(*) FROM customers;"
        "SELECT 'products', COUNT(*) FROM products; SELECT 'rows', COUNT(*) FROM orders;").strip().splitlines())
    order_id, item_id, payment_id = int(mx["order"]), int(mx["item"]), int(mx["payment"])
    customers, products, rows = int(mx["customers"]), int(mx["products"]), int(mx["rows"])
    new_orders = max(10, rows // 100)
    sql = ["START TRANSACTION;"]
    for _ in range(new_orders):
        order_id += 1
        sql.append(f"INSERT INTO orders (order_id, customer_id, order_date, status, channel, currency, created_at, updated_at) "
                   f"VALUES ({order_id}, {rng.randrange(1, customers + 1)}, CURRENT_DATE, 'paid', '{rng.choice(CHANNELS)}', 'EUR', "
                   "CURRENT_TIMESTAMP(6), CURRENT_TIMESTAMP(6));")
        for _ in range(rng.randrange(1, 5)):
            item_id += 1
            pid = rng.randrange(1, products + 1)
            sql.append(f"INSERT INTO order_items SELECT {item_id}, {order_id}, product_id, {rng.randrange(1, 4)}, unit_price, NULL, "
                       f"CURRENT_TIMESTAMP(6) FROM products WHERE product_id = {pid};")
        payment_id += 1
        sql.append(f"INSERT INTO payments SELECT {payment_id}, {order_id}, COALESCE(SUM(quantity*unit_price),0), 'card', "
                   f"CURRENT_TIMESTAMP(6), CURRENT_TIMESTAMP(6) FROM order_items WHERE order_id = {order_id};")
    updated = max(5, rows // 100)
    sql.append(f"UPDATE orders SET status = 'delivered', updated_at = CURRENT_TIMESTAMP(6) WHERE status IN ('paid','shipped') "
               f"AND MOD(id, {max(1, rows // updated)}) = {rng.randrange(max(1, rows // updated))};")
    sql.append(f"UPDATE customers SET loyalty_tier = 'gold', updated_at = CURRENT_TIMESTAMP(6) WHERE MOD(customer_id, 97) = {rng.randrange(97)};")
    sql.append("INSERT INTO orders (order_id, customer_id, order_date, status, channel, currency, notes, created_at, updated_at) "
               "SELECT order_id, customer_id, order_date, 'shipped', channel, currency, notes, created_at, CURRENT_TIMESTAMP(6) "
               f"FROM orders WHERE status = 'paid' ORDER BY id LIMIT {max(3, rows // 1000)};")
    sql.append("COMMIT;")
    db.run("\n".join(sql))
    print(f"mutated {db.database}: {new_orders} new orders (ids up to {order_id}), ~1% of orders and customers updated, some orders re-sent")


def main():
    parser = argparse.ArgumentParser(prog="retail-data", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["load", "mutate", "generate"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--database", default="retail")
    parser.add_argument("--out", help="generate: folder for the TSV files")
    parser.add_argument("--options-file", default=os.path.join(os.environ.get("DATAOPS_HOME", ".dataops"), "secrets", "admin-mysql.options"))
    parser.add_argument("--host", default=os.environ.get("DATAOPS_MYSQL_HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("DATAOPS_MYSQL_PORT", "3306"))
    args = parser.parse_args()
    if args.command == "generate":
        print(generate(args.out, args.scale))
        return
    db = Mariadb(args.options_file, args.database, args.host, args.port)
    try:
        load(db, args.scale) if args.command == "load" else mutate(db, args.seed)
    finally:
        db.close()


if __name__ == "__main__":
    main()
