/**
 * The edge-type table: every MySQL type at its edges (unsigned maxima, DECIMAL(65,30), DATETIME(6)
 * bounds, TIME beyond a day, BIT(64), JSON, ENUM/SET, BLOB, utf8mb4), NULLs, zero dates and dates
 * the calendar does not have. Run it after EDGE_TYPES_SQL_MODE on the same connection (multiple
 * statements). Used by the ingest test and the end-to-end type test.
 */
export const EDGE_TYPES_SQL_MODE = "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'";

export const EDGE_TYPES_SQL = `
CREATE TABLE all_types (
  id INT PRIMARY KEY, tiny1 TINYINT(1), tiny_u TINYINT UNSIGNED, big_u BIGINT UNSIGNED, big_s BIGINT,
  dec65 DECIMAL(65,30), dec12 DECIMAL(12,2), dbl DOUBLE, d DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL,
  tm TIME(6), yr YEAR, b1 BIT(1), b64 BIT(64), js JSON, en ENUM('small','large'), st SET('x','y','z'),
  blb BLOB, bin BINARY(4), txt TEXT, geo GEOMETRY NULL
) DEFAULT CHARSET=utf8mb4;
INSERT INTO all_types VALUES
 (1, 5, 255, 18446744073709551615, -9223372036854775808, 12345678901234567890123456789012345.123456789012345678901234567890,
  9999999999.99, 1.5e308, '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.000000', 2155,
  b'1', b'1111111111111111111111111111111111111111111111111111111111111111', '{"a": [1, 2, {"b": "ü"}]}', 'large', 'x,z',
  x'00FF10', x'DEADBEEF', 'emoji 🎉 and 漢字', ST_GeomFromText('POINT(1 2)')),
 (2, 0, 0, 0, 9223372036854775807, -0.000000000000000000000000000001, -9999999999.99, -1.5, '1000-01-01',
  '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01.000000', '-838:59:59.000000', 1901, b'0', b'0', '[]', 'small', '',
  x'', x'00000000', '', NULL),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0000-00-00', '0000-00-00 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL);
SET SESSION sql_mode = 'ALLOW_INVALID_DATES';
INSERT INTO all_types (id, d, dt) VALUES (4, '2021-02-30', '2020-00-15 10:00:00.000000'), (5, '2024-02-29', '2024-02-29 23:59:59.999999');
SET SESSION sql_mode = DEFAULT;
`;

/** Its column names, in order. */
export const EDGE_TYPE_COLUMNS = [
  'id', 'tiny1', 'tiny_u', 'big_u', 'big_s', 'dec65', 'dec12', 'dbl', 'd', 'dt', 'ts',
  'tm', 'yr', 'b1', 'b64', 'js', 'en', 'st', 'blb', 'bin', 'txt', 'geo',
];
