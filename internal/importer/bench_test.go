package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
