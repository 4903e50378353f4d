package glue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/firehose-local/firehose-local/protocol/awsjson"
	"github.com/firehose-local/firehose-local/statestore"
)

// The catalog's keys in its bucket of the state store:
//
//	databases/<region> NUL <database>            a database (JSON)
//	tables/<region> NUL <database> NUL <table>   a table with its versions (JSON)
//
// Names never hold a NUL (the model's name pattern starts at U+0020).
var (
	dbBucket    = []byte("databases")
	tableBucket = []byte("tables")
)

const sep = "\x00"

func dbKey(region, db string) []byte { return []byte(region + sep + db) }

func tableKey(region, db, table string) []byte {
	return []byte(region + sep + db + sep + table)
}

// change is one change to the state store, made in one transaction.
type change func(b *statestore.Bucket) error

// commit writes a change to the state store, if there is one, before the
// change is made in memory: a change that fails is not made.
func (c *Catalog) commit(ch change) *awsjson.Error {
	if c.opts.State == nil {
		return nil
	}
	if err := c.opts.State.Update(ch); err != nil {
		c.opts.Logger.Warn("glue: saving the catalog failed", "error", err)
		return internalError(err)
	}
	return nil
}

func putJSON(b *statestore.Bucket, name, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	nb, err := b.CreateBucketIfNotExists(name)
	if err != nil {
		return err
	}
	return nb.Put(key, raw)
}

func putDB(region string, d *database) change {
	return func(b *statestore.Bucket) error { return putJSON(b, dbBucket, dbKey(region, d.Name), d) }
}

func putTable(region, db string, t *table) change {
	return func(b *statestore.Bucket) error {
		return putJSON(b, tableBucket, tableKey(region, db, t.Name), t)
	}
}

func deleteTable(region, db, table string) change {
	return func(b *statestore.Bucket) error {
		tables := b.Bucket(tableBucket)
		if tables == nil {
			return nil
		}
		return tables.Delete(tableKey(region, db, table))
	}
}

// deleteDB removes a database and every table in it.
func deleteDB(region, db string) change {
	return func(b *statestore.Bucket) error {
		if dbs := b.Bucket(dbBucket); dbs != nil {
			if err := dbs.Delete(dbKey(region, db)); err != nil {
				return err
			}
		}
		tables := b.Bucket(tableBucket)
		if tables == nil {
			return nil
		}
		prefix := tableKey(region, db, "")
		var doomed [][]byte
		err := tables.ForEach(func(k, _ []byte) error {
			if bytes.HasPrefix(k, prefix) {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range doomed {
			if err := tables.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}
}

// decode unmarshals a stored record, numbers kept as they were written.
func decode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// load reads the catalog from the state store.
func (c *Catalog) load() error {
	if c.opts.State == nil {
		return nil
	}
	return c.opts.State.View(func(b *statestore.Bucket) error {
		err := b.Bucket(dbBucket).ForEach(func(k, v []byte) error {
			region, _, ok := strings.Cut(string(k), sep)
			d := &database{tables: map[string]*table{}}
			if !ok || decode(v, d) != nil {
				return fmt.Errorf("glue: damaged database record %q in %s", k, c.opts.State.Path())
			}
			c.region(region, true)[d.Name] = d
			return nil
		})
		if err != nil {
			return err
		}
		return b.Bucket(tableBucket).ForEach(func(k, v []byte) error {
			parts := strings.Split(string(k), sep)
			t := &table{}
			if len(parts) != 3 || decode(v, t) != nil || len(t.Versions) == 0 {
				return fmt.Errorf("glue: damaged table record %q in %s", k, c.opts.State.Path())
			}
			d := c.region(parts[0], false)[parts[1]]
			if d == nil {
				return nil // a table left by an interrupted delete: its database is gone
			}
			d.tables[t.Name] = t
			return nil
		})
	})
}
