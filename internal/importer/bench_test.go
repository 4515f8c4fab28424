package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/importer"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
)

const benchClients = 5000

var benchManagers = []string{"U0MINA", "U0DEV", "U0SIAN", "U0PARK"}

// clientsFile is a realistic clients file of n rows: every column filled
// on most rows, a mix of fixed-fee and hourly clients.
func clientsFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString("code,name,aliases,entity_type,billing_type,monthly_fee,invoice_timing,invoice_day,payment_terms_days,billing_email,manager_slack_id,retainer_services\n")
	types := practice.EntityTypes
	for i := 1; i <= n; i++ {
		billing, fee, retainer := "fixed", fmt.Sprintf("%d.%02d", 150+i%900, i%100), "BK;VAT;PAYROLL"
		if i%4 == 0 {
			billing, fee, retainer = "hourly", "", ""
		}
		timing := "advance"
		if i%3 == 0 {
			timing = "arrears"
		}
		fmt.Fprintf(&b, "C%05d,Client %05d Trading Ltd,Client %d;C-%d,%s,%s,%s,%s,%d,%d,accounts@client%05d.co.uk,%s,%s\n",
			i, i, i, i, types[i%len(types)], billing, fee, timing, 1+i%28, 14+i%3*7, i, benchManagers[i%len(benchManagers)], retainer)
	}
	return b.Bytes()
}

// benchPractice creates a practice with the team and services the file
// names.
func benchPractice(b *testing.B, pool *pgxpool.Pool, pid atlas.PracticeID) {
	b.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		s := practice.Store{DB: tx}
		if _, err := s.Ensure(ctx, pid); err != nil {
			return err
		}
		for _, m := range benchManagers {
			if _, err := s.AddMember(ctx, pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(m), Name: m, Role: atlas.RoleManager}); err != nil {
				return err
			}
		}
		for _, sv := range []string{"BK", "VAT", "PAYROLL"} {
			if _, err := s.SaveService(ctx, pid, 0, sv, sv, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkImportClients5000 imports 5,000 clients into a new practice
// per iteration: parse, validate, one transaction, commit.
func BenchmarkImportClients5000(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	file := clientsFile(benchClients)
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		pid := atlas.PracticeID(fmt.Sprintf("TBENCH%d", i))
		benchPractice(b, pool, pid)
		b.StartTimer()
		rep, err := importer.Import(context.Background(), pool, importer.Clients, bytes.NewReader(file), importer.Options{Practice: pid})
		b.StopTimer()
		if err != nil || rep.Created != benchClients || len(rep.Errors) > 0 {
			b.Fatalf("import: %v %+v", err, rep.Errors)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
}

// BenchmarkReimportClients5000 imports the same 5,000 clients a second
// time: every row an update, retainers replaced.
func BenchmarkReimportClients5000(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	file := clientsFile(benchClients)
	ctx := context.Background()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		pid := atlas.PracticeID(fmt.Sprintf("TAGAIN%d", i))
		benchPractice(b, pool, pid)
		o := importer.Options{Practice: pid}
		if _, err := importer.Import(ctx, pool, importer.Clients, bytes.NewReader(file), o); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := importer.Import(ctx, pool, importer.Clients, bytes.NewReader(file), o)
		b.StopTimer()
		if err != nil || rep.Updated != benchClients || rep.Created != 0 {
			b.Fatalf("re-import: %v %+v", err, rep)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
}

// BenchmarkFloorInsert5000 is the floor beside it: one multi-row INSERT of
// 5,000 minimal clients (code and name only) in one committed transaction,
// no parsing, validation, retainers or audit.
func BenchmarkFloorInsert5000(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	codes, names := make([]string, benchClients), make([]string, benchClients)
	for i := range codes {
		codes[i], names[i] = fmt.Sprintf("C%05d", i+1), fmt.Sprintf("Client %05d Trading Ltd", i+1)
	}
	ctx := context.Background()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		pid := atlas.PracticeID(fmt.Sprintf("TFLOOR%d", i))
		benchPractice(b, pool, pid)
		b.StartTimer()
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO entities (practice_id, code, name)
				SELECT $1, c, n FROM unnest($2::text[], $3::text[]) AS x(c, n)`, pid, codes, names)
			return err
		})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
}

// BenchmarkSaveEntityPerRow5000 is the path the importer does not take:
// the same 5,000 clients saved one by one with practice's SaveEntity in one
// transaction (a savepoint, the writes, a read-back and an audit event
// each). It is why clients are written in bulk.
func BenchmarkSaveEntityPerRow5000(b *testing.B) {
	_, pool := pgtest.NewDatabase(b)
	ctx := context.Background()
	lines := strings.Split(strings.TrimSpace(string(clientsFile(benchClients))), "\n")[1:]
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		pid := atlas.PracticeID(fmt.Sprintf("TROW%d", i))
		benchPractice(b, pool, pid)
		var ids []int64
		if err := pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY id) FROM services WHERE practice_id = $1`, pid).Scan(&ids); err != nil {
			b.Fatal(err)
		}
		var mgr atlas.MemberID
		if err := pool.QueryRow(ctx, `SELECT min(id) FROM members WHERE practice_id = $1`, pid).Scan(&mgr); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
			s := practice.Store{DB: tx}
			for _, l := range lines {
				f := strings.Split(l, ",")
				in := practice.EntityInput{Code: f[0], Name: f[1], Aliases: f[2], EntityType: f[3], BillingType: f[4], MonthlyFee: f[5],
					InvoiceTiming: f[6], InvoiceDay: f[7], PaymentTerms: f[8], BillingEmail: f[9], Manager: &mgr}
				if f[11] != "" {
					in.RetainerServices = ids
				}
				if _, err := s.SaveEntity(ctx, pid, 0, 0, in); err != nil {
					return fmt.Errorf("%s: %w", f[0], err)
				}
			}
			return nil
		})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
}

// The time import benchmark: a quarter of a 20-person practice's time, as
// Harvest exports it, into a practice of 5,000 clients with a rate card of
// a few hundred rows.
const (
	benchTimeRows    = 10000
	benchTimeClients = 5000
	benchTimePeople  = 20
)

var benchTimeToday = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// timeBench is a committed practice to import time into, and the file.
type timeBench struct {
	ctx  context.Context
	pool *pgxpool.Pool
	pid  atlas.PracticeID
	file []byte
}

// newTimeBench builds the practice and a file naming one client in
// nameEvery by name, the rest by code.
func newTimeBench(b *testing.B, nameEvery int) *timeBench {
	b.Helper()
	ctx := context.Background()
	_, pool := pgtest.NewDatabase(b)
	f := &timeBench{ctx: ctx, pool: pool, pid: "TBENCHTIME"}
	var members, services []int64
	err := db.InTx(ctx, pool, func(tx pgx.Tx) error {
		s := practice.Store{DB: tx}
		if _, err := s.Ensure(ctx, f.pid); err != nil {
			return err
		}
		for i := range benchTimePeople {
			m, err := s.AddMember(ctx, f.pid, 0, practice.NewMember{SlackUserID: atlas.SlackUserID(fmt.Sprintf("U0T%03d", i)),
				Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("person%d@ledgerline.example", i), Role: atlas.RoleStaff})
			if err != nil {
				return err
			}
			members = append(members, int64(m.ID))
		}
		for _, sv := range []string{"BK", "MA", "PAYROLL", "VAT", "YE", "ADV"} {
			s, err := s.SaveService(ctx, f.pid, 0, sv, "Service "+sv, false)
			if err != nil {
				return err
			}
			services = append(services, s.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	clients := make([][]any, benchTimeClients)
	for i := range clients {
		clients[i] = []any{string(f.pid), fmt.Sprintf("C%05d", i+1), fmt.Sprintf("Client %05d Trading Ltd", i+1)}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"entities"}, []string{"practice_id", "code", "name"}, pgx.CopyFromRows(clients)); err != nil {
		b.Fatal(err)
	}
	var entities []int64
	if err := pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY code) FROM entities WHERE practice_id = $1`, f.pid).Scan(&entities); err != nil {
		b.Fatal(err)
	}
	// The card: a default raised once, a rate per service and per person,
	// and one per 25th client, alone and with a service.
	var rates [][]any
	add := func(e, s, m *int64, amount int64, from time.Time) {
		rates = append(rates, []any{string(f.pid), e, s, m, decimal.NewFromInt(amount), from})
	}
	ptr := func(v int64) *int64 { return &v }
	add(nil, nil, nil, 75, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	add(nil, nil, nil, 80, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	for i, s := range services {
		add(nil, ptr(s), nil, int64(70+10*i), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	}
	for i, m := range members {
		add(nil, nil, ptr(m), int64(60+5*(i%8)), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	}
	for g := 25; g <= benchTimeClients; g += 25 {
		add(ptr(entities[g-1]), nil, nil, int64(90+g%40), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
		add(ptr(entities[g-13]), ptr(services[g%len(services)]), nil, int64(100+g%50), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"rates"}, []string{"practice_id", "entity_id", "service_id", "member_id", "hourly_rate", "effective_from"},
		pgx.CopyFromRows(rates)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}

	// The file: 400 clients by code or by name; people by Slack id or
	// email; hours both ways; the older half billed.
	var buf bytes.Buffer
	buf.WriteString("Date,Client,Task,Person,Hours,Notes,Billed?\r\n")
	codes := []string{"BK", "Service MA", "PAYROLL", "vat", "YE", "ADV"}
	for i := range benchTimeRows {
		day := benchTimeToday.AddDate(0, 0, -(i % 120))
		c := 1 + (i*7919)%400*12
		client := fmt.Sprintf("C%05d", c)
		if i%nameEvery == 0 {
			client = fmt.Sprintf("Client %05d Trading Ltd", c)
		}
		person := fmt.Sprintf("U0T%03d", i%benchTimePeople)
		if i%3 == 0 {
			person = fmt.Sprintf("person%d@ledgerline.example", i%benchTimePeople)
		}
		minutes := 15 + (i%32)*15
		hours := fmt.Sprintf("%d:%02d", minutes/60, minutes%60)
		if i%2 == 0 {
			hours = decimal.NewFromInt(int64(minutes)).Div(decimal.NewFromInt(60)).String()
		}
		billed := "no"
		if i%120 >= 60 {
			billed = "yes"
		}
		fmt.Fprintf(&buf, "%s,%s,%s,%s,%s,\"Work for %s, batch %d\",%s\r\n", day.Format(time.DateOnly), client, codes[i%len(codes)], person, hours, client, i/50, billed)
	}
	f.file = buf.Bytes()
	return f
}

func (f *timeBench) importFile(b *testing.B) {
	rep, err := importer.Import(f.ctx, f.pool, importer.Time, bytes.NewReader(f.file), importer.Options{Practice: f.pid, Today: benchTimeToday})
	if err != nil || rep.Created != benchTimeRows || len(rep.Errors) > 0 {
		b.Fatalf("import: %v %+v", err, rep.Errors[:min(len(rep.Errors), 3)])
	}
}

// clear empties the practice's time and vacuums the table, so every
// iteration, path or floor, writes into the same table.
func (f *timeBench) clear(b *testing.B) {
	if _, err := f.pool.Exec(f.ctx, `DELETE FROM time_entries WHERE practice_id = $1`, f.pid); err != nil {
		b.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `VACUUM ANALYZE time_entries`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkImportTime10000 imports a Harvest export of 10,000 time entries
// from bytes to committed entries: read and check the CSV, resolve 400
// clients, services and 20 people (by Slack id and by email), key each row,
// COPY them into a temporary table and insert them with one statement that
// joins each to the rate in force on its date and values it. In "codes" a
// fifth of the rows name their client by name, the rest by code; in
// "names" every row does, as Harvest writes it, so each of the 400 clients
// goes through the client lookup once. Its floor, timed after each
// iteration, is a bare COPY of the same 10,000 resolved rows straight into
// time_entries (valued, keyed and in their billing states, as the import
// writes them). The target is under 3×; x-floor and x-floor-p50 report it.
func BenchmarkImportTime10000(b *testing.B) {
	for _, c := range []struct {
		name      string
		nameEvery int
	}{{"codes", 5}, {"names", 1}} {
		b.Run(c.name, func(b *testing.B) { benchImportTime(b, newTimeBench(b, c.nameEvery)) })
	}
}

func benchImportTime(b *testing.B, f *timeBench) {
	// The floor's rows are the import's own, read back after one import.
	f.importFile(b)
	rows, err := f.pool.Query(f.ctx, `SELECT practice_id, member_id, entity_id, service_id, work_date, minutes, description, billable,
			source, rate, value, billing_state, idempotency_key FROM time_entries WHERE practice_id = $1 ORDER BY id`, f.pid)
	if err != nil {
		b.Fatal(err)
	}
	resolved, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil || len(resolved) != benchTimeRows {
		b.Fatalf("%d rows: %v", len(resolved), err)
	}
	columns := []string{"practice_id", "member_id", "entity_id", "service_id", "work_date", "minutes", "description", "billable",
		"source", "rate", "value", "billing_state", "idempotency_key"}
	f.clear(b)

	var paths, floors []time.Duration
	for b.Loop() {
		start := time.Now()
		f.importFile(b)
		paths = append(paths, time.Since(start))
		b.StopTimer()
		f.clear(b)
		start = time.Now()
		n, err := f.pool.CopyFrom(f.ctx, pgx.Identifier{"time_entries"}, columns, pgx.CopyFromRows(resolved))
		floors = append(floors, time.Since(start))
		if err != nil || n != benchTimeRows {
			b.Fatalf("floor copied %d: %v", n, err)
		}
		f.clear(b)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(len(paths))/mean(floors), "x-floor")
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
	b.ReportMetric(float64(median(floors))/1e6, "floor-ms")
}

func mean(ds []time.Duration) float64 {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return float64(sum) / float64(len(ds))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
