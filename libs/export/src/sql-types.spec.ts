import { compatible, targetType } from './sql-types';

describe('targetType', () => {
  describe('a column passed through from MySQL', () => {
    it('gives PostgreSQL the richest type that holds every MySQL value', () => {
      expect(targetType({ name: 'd', type: 'string', sourceType: 'decimal(65,30)' }, 'postgres')).toBe('numeric(65,30)');
      expect(targetType({ name: 'j', type: 'string', sourceType: 'json' }, 'postgres')).toBe('json');
      expect(targetType({ name: 't', type: 'string', sourceType: 'time(6)' }, 'postgres')).toBe('interval(6)');
      expect(targetType({ name: 'c', type: 'string', sourceType: 'char(3)' }, 'postgres')).toBe('varchar(3)');
      expect(targetType({ name: 'b', type: 'decimal(20,0)', sourceType: 'bit(12)' }, 'postgres')).toBe('numeric(20,0)');
      expect(targetType({ name: 'e', type: 'string', sourceType: "enum('a','b')" }, 'postgres')).toBe('text');
    });

    it("gives MySQL the source's own type, but DATETIME for an instant and a bounded key", () => {
      expect(targetType({ name: 'u', type: 'decimal(20,0)', sourceType: 'bigint(20) unsigned' }, 'mysql')).toBe('bigint(20) unsigned');
      expect(targetType({ name: 'e', type: 'string', sourceType: "enum('a','b')" }, 'mysql')).toBe("enum('a','b')");
      expect(targetType({ name: 'b', type: 'decimal(20,0)', sourceType: 'bit(12)' }, 'mysql')).toBe('bit(12)');
      expect(targetType({ name: 'ts', type: 'timestamp', sourceType: 'timestamp(6)' }, 'mysql')).toBe('DATETIME(6)');
      expect(targetType({ name: 'k', type: 'string', sourceType: 'longtext' }, 'mysql', true)).toBe('VARCHAR(255)');
      expect(targetType({ name: 'g', type: 'binary', sourceType: 'point' }, 'mysql')).toBe('LONGBLOB');
    });
  });

  it('maps a computed column from its Spark type', () => {
    expect(targetType({ name: 'n', type: 'decimal(38,2)' }, 'postgres')).toBe('numeric(38,2)');
    expect(targetType({ name: 's', type: 'string' }, 'mysql')).toBe('LONGTEXT');
    expect(targetType({ name: 'ts', type: 'timestamp_ntz' }, 'postgres')).toBe('timestamp(6) without time zone');
  });
});

describe('compatible', () => {
  it('lets a DECIMAL(65,30) carried as text into a numeric column, but not a date', () => {
    expect(compatible({ name: 'd', type: 'string', sourceType: 'decimal(65,30)' }, 'numeric')).toBe(true);
    expect(compatible({ name: 'd', type: 'string', sourceType: 'decimal(65,30)' }, 'date')).toBe(false);
  });

  it('lets a TIME into interval or time, and any value into text', () => {
    expect(compatible({ name: 't', type: 'string', sourceType: 'time' }, 'interval')).toBe(true);
    expect(compatible({ name: 'x', type: 'timestamp_ntz' }, 'text')).toBe(true);
  });

  it('lets a BIGINT UNSIGNED, carried as decimal(20,0), into the table export created for it', () => {
    expect(compatible({ name: 'u', type: 'decimal(20,0)', sourceType: 'bigint(20) unsigned' }, 'bigint(20) unsigned')).toBe(true);
  });

  it('refuses text into an integer column', () => {
    expect(compatible({ name: 's', type: 'string' }, 'integer')).toBe(false);
  });
});
