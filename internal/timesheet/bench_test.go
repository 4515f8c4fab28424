package timesheet_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timeparse"
	"github.com/atlas-practice/atlas/internal/timesheet"
)

// The benchmarks here measure the commands people run most beside a floor
// measured in the same run on the same pool: one bare, autocommitted
// one-row INSERT into time_entries. Each benchmark's floor sub-benchmark
// shows the floor on its own; each path also times a floor insert after
// every iteration, outside its own timer, and reports its ns/op over those
// as x-floor (x-floor-p50 for the medians). The target is under 3×; the
// ratio is reported, never asserted.

const (
	benchPractice = atlas.PracticeID("TBENCHTIME")
	benchClients  = 5000
	benchMembers  = 20
	benchHistory  = 20000 // time entries already on the books
)

// benchTargets are clients with a distinctive name word, as people type
// them: each word is in no other client's code, name or alias, so the
// lookup resolves it uniquely by name (not by code or alias), the path most
// /log lines take. Each has a client × payroll rate, the most specific rate
// the line can hit.
var benchTargets = []struct {
	at         int // replaces generated client number at
	name, word string
}{
	{137, "Quillfeather Press Ltd", "quillfeather"},
	{811, "Marlowe Dental Practice", "marlowe"},
	{1420, "Fenwick & Daughters", "fenwick"},
	{2093, "Brackenridge Farms LLP", "brackenridge"},
	{2777, "Tollgate Garage Ltd", "tollgate"},
	{3301, "Copperkettle Tea Rooms", "copperkettle"},
	{4056, "Whitlock Plumbing & Heating", "whitlock"},
	{4689, "Ashgrove Nurseries Ltd", "ashgrove"},
}

type benchFix struct {
	ctx       context.Context
	pool      *pgxpool.Pool
	p         practice.Practice
	ps        practice.Store
	ts        timesheet.Store
	members   []atlas.MemberID
	entities  []int64 // every client, by number - 1
	targets   []int64 // benchTargets' ids, in order
	codes     []string
	payroll   int64
	isService func(string) bool
	now       time.Time
	today     time.Time
	seq       int // makes keys unique across the sub-benchmarks
}

// newBenchFix builds a practice the size of a busy one on a database of its
// own (the paths commit): 20 people, 5,000 clients, 6 services, a rate card
// of a few hundred rows and 20,000 entries of history.
func newBenchFix(b *testing.B) *benchFix {
	b.Helper()
	ctx := context.Background()
	_, pool := pgtest.NewDatabase(b)
	f := &benchFix{ctx: ctx, pool: pool, ps: practice.Store{DB: pool}, ts: timesheet.Store{DB: pool},
		// Friday 20 November 2026, 16:30 in London.
		now: time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)}
	if _, err := f.ps.Ensure(ctx, benchPractice); err != nil {
		b.Fatal(err)
	}
	p, err := f.ps.SaveBasics(ctx, benchPractice, 0, practice.Basics{Name: "Ledgerline", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	if err != nil {
		b.Fatal(err)
	}
	f.p, f.today = p, p.Today(f.now)

	err = db.InTx(ctx, pool, func(tx pgx.Tx) error {
		s := practice.Store{DB: tx}
		for i := range benchMembers {
			role := atlas.RoleStaff
			switch {
			case i == 0:
				role = atlas.RoleAdmin
			case i < 3:
				role = atlas.RolePartner
			case i < 7:
				role = atlas.RoleManager
			}
			m, err := s.AddMember(ctx, benchPractice, 0, practice.NewMember{
				SlackUserID: atlas.SlackUserID(fmt.Sprintf("U0B%03d", i)), Name: fmt.Sprintf("Person %d", i), Role: role})
			if err != nil {
				return err
			}
			f.members = append(f.members, m.ID)
		}
		for _, sv := range []struct{ code, name string }{
			{"BK", "Bookkeeping"}, {"MA", "Management accounts"}, {"PAYROLL", "Payroll"},
			{"VAT", "VAT returns"}, {"YE", "Year end"}, {"ADV", "Advisory"},
		} {
			if _, err := s.SaveService(ctx, benchPractice, 0, sv.code, sv.name, sv.code == "BK"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	services, err := f.ps.Services(ctx, benchPractice)
	if err != nil {
		b.Fatal(err)
	}
	known := map[string]bool{}
	var serviceIDs []int64
	for _, sv := range services {
		known[strings.ToLower(sv.Code)], known[strings.ToLower(sv.Name)] = true, true
		serviceIDs = append(serviceIDs, sv.ID)
		if sv.Code == "PAYROLL" {
			f.payroll = sv.ID
		}
	}
	f.isService = func(w string) bool { return known[strings.ToLower(w)] }

	f.seedClients(b)
	f.seedRates(b, serviceIDs)
	if _, err := pool.Exec(ctx, `INSERT INTO time_entries (practice_id, member_id, entity_id, service_id, work_date, minutes,
			description, source, rate, value)
		SELECT $1, ($2::bigint[])[1 + g % cardinality($2::bigint[])], ($3::bigint[])[1 + (g * 7919) % cardinality($3::bigint[])],
		       ($4::bigint[])[1 + g % cardinality($4::bigint[])], $5::date - (g % 330), 15 + (g % 16) * 15,
		       'Posted purchase invoices', 'manual', 80, round(80 * (15 + (g % 16) * 15) / 60.0, 2)
		FROM generate_series(1, $6::int) g`,
		benchPractice, members64(f.members), f.entities, serviceIDs, f.today, benchHistory); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return f
}

func members64(ms []atlas.MemberID) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = int64(m)
	}
	return out
}

// seedClients copies in 5,000 clients (the trigger fills search_text as it
// would for any insert), a quarter of them fixed-fee, a third with an alias.
func (f *benchFix) seedClients(b *testing.B) {
	b.Helper()
	words := []string{"Acme", "Baker", "Green", "Harbour", "North", "Oak", "Pine", "River", "Stone", "Summit", "Valley", "West",
		"Castle", "Bridge", "Meadow", "Park", "Elm", "Hill", "Brook", "Kings", "Mill", "Orchard", "Granite", "Silver"}
	kinds := []string{"Trading", "Holdings", "Services", "Consulting", "Partners", "Foods", "Motors", "Design", "Builders", "Logistics"}
	special := map[int]string{}
	for _, t := range benchTargets {
		special[t.at] = t.name
	}
	rows := make([][]any, 0, benchClients)
	for g := 1; g <= benchClients; g++ {
		code := fmt.Sprintf("C%05d", g)
		name := special[g]
		if name == "" {
			name = fmt.Sprintf("%s %s %d Ltd", words[g%len(words)], kinds[(g/len(words))%len(kinds)], g)
		}
		aliases := []string{}
		if g%3 == 0 {
			aliases = append(aliases, fmt.Sprintf("%s %d", words[g%len(words)], g))
		}
		billing := "hourly"
		if g%4 == 0 {
			billing = "fixed"
		}
		rows = append(rows, []any{string(benchPractice), code, name, aliases, billing})
		f.codes = append(f.codes, code)
	}
	if _, err := f.pool.CopyFrom(f.ctx, pgx.Identifier{"entities"},
		[]string{"practice_id", "code", "name", "aliases", "billing_type"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := f.pool.Exec(f.ctx, `INSERT INTO entity_fees (practice_id, entity_id, monthly_fee, effective_from)
		SELECT practice_id, id, 150 + id % 900, DATE '2026-01-01' FROM entities WHERE practice_id = $1 AND billing_type = 'fixed'`,
		benchPractice); err != nil {
		b.Fatal(err)
	}
	r, err := f.pool.Query(f.ctx, `SELECT id FROM entities WHERE practice_id = $1 ORDER BY code`, benchPractice)
	if err != nil {
		b.Fatal(err)
	}
	if f.entities, err = pgx.CollectRows(r, pgx.RowTo[int64]); err != nil || len(f.entities) != benchClients {
		b.Fatalf("%d clients: %v", len(f.entities), err)
	}
	for _, t := range benchTargets {
		f.targets = append(f.targets, f.entities[t.at-1])
	}
}

// seedRates writes a card of a few hundred rows: a default (raised once),
// one per service and per person, one for every 25th client, and client ×
// service rates for every 25th client (offset) and for each target client.
func (f *benchFix) seedRates(b *testing.B, services []int64) {
	b.Helper()
	type key struct{ e, s, m *int64 }
	var rows [][]any
	add := func(k key, amount int64, from string) {
		d, _ := time.Parse(time.DateOnly, from)
		rows = append(rows, []any{string(benchPractice), k.e, k.s, k.m, decimal.NewFromInt(amount), d})
	}
	ptr := func(v int64) *int64 { return &v }
	add(key{}, 75, "2024-01-01")
	add(key{}, 80, "2025-04-01")
	for i, s := range services {
		add(key{s: ptr(s)}, int64(70+10*i), "2025-04-01")
	}
	for i, m := range f.members {
		add(key{m: ptr(int64(m))}, int64(60+5*(i%8)), "2025-04-01")
	}
	for g := 25; g <= benchClients; g += 25 {
		add(key{e: ptr(f.entities[g-1])}, int64(90+g%40), "2025-04-01")
		add(key{e: ptr(f.entities[g-13]), s: ptr(services[g%len(services)])}, int64(100+g%50), "2025-04-01")
	}
	for _, e := range f.targets {
		add(key{e: ptr(e), s: ptr(f.payroll)}, 95, "2025-04-01")
	}
	if _, err := f.pool.CopyFrom(f.ctx, pgx.Identifier{"rates"},
		[]string{"practice_id", "entity_id", "service_id", "member_id", "hourly_rate", "effective_from"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
}

// floorInsert is the floor: a bare one-row INSERT, autocommitted.
func (f *benchFix) floorInsert(b *testing.B, i int) {
	_, err := f.pool.Exec(f.ctx, `INSERT INTO time_entries (practice_id, member_id, entity_id, work_date, minutes, source)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		benchPractice, int64(f.members[i%len(f.members)]), f.entities[(i*7919)%len(f.entities)], f.today, 30+i%60, timesheet.SourceManual)
	if err != nil {
		b.Fatal(err)
	}
}

// runFloor is the floor sub-benchmark, shown beside the paths.
func (f *benchFix) runFloor(b *testing.B) {
	for b.Loop() {
		f.floorInsert(b, f.seq)
		f.seq++
	}
}

// runPath measures op, one command or pair of commands per iteration, with
// a floor insert after each, timed apart from it: the floor samples are
// taken under the same conditions as the path's (the table as large, the
// machine as busy), so the ratio holds on a shared, noisy machine. It
// reports x-floor, the path's ns/op over the interleaved floor's, and
// x-floor-p50, the same of the medians, which a burst of outside load moves
// least.
//
// Before timing, op runs warmRuns times untimed. The first runs of a
// statement on a connection pay once for what the floor's statement paid
// in the floor sub-benchmark before any interleaved floor was timed: the
// catalogs it reads loaded into the backend, the functions it calls
// compiled, and the plans PostgreSQL makes for the first parameters before
// it keeps a generic plan. A server pays them once per connection, not per
// command; timed, the first run alone (tens of milliseconds) outweighed
// forty commands' differences. Go's b.N benchmarks discarded a first run
// the same way.
func (f *benchFix) runPath(b *testing.B, op func(b *testing.B, i int)) {
	for range warmRuns {
		op(b, f.seq)
		f.seq++
	}
	var paths, floors []time.Duration
	for b.Loop() {
		start := time.Now()
		op(b, f.seq)
		paths = append(paths, time.Since(start))
		b.StopTimer()
		start = time.Now()
		f.floorInsert(b, f.seq)
		floors = append(floors, time.Since(start))
		f.seq++
		b.StartTimer()
	}
	if len(paths) == 0 {
		return
	}
	b.ReportMetric(float64(b.Elapsed())/float64(len(paths))/mean(floors), "x-floor")
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
}

// warmRuns is how many untimed runs settle a path's statements: the five
// plans PostgreSQL makes for a prepared statement's first parameters, and
// one with the plan it keeps.
const warmRuns = 6

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

// BenchmarkLogPath is `/log 1h30 <client> payroll yesterday bank
// reconciliation` from text to committed entry, as the /log handler takes
// it: the practice's services from the replica's cache, the line read with
// a stand-in client (its client is one run of words, so it reads the same
// whichever client that is), then LogNamedClient, which looks the run up,
// prices the entry from the rate card and inserts it in one statement,
// reading it back. The client is typed as a name word (found by the
// substring search after the exact code and alias queries miss) or as its
// code (the exact query hits).
func BenchmarkLogPath(b *testing.B) {
	f := newBenchFix(b)
	// The services come from the cache every replica runs, as the /log
	// handler reads them.
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	cache := practice.NewServiceCache(f.ps, slog.New(slog.NewTextHandler(io.Discard, nil)))
	go cache.Run(ctx, f.pool)
	b.Run("floor", f.runFloor)
	logPath := func(client func(i int) (text string, want int64)) func(b *testing.B) {
		return func(b *testing.B) {
			f.runPath(b, func(b *testing.B, i int) {
				text, want := client(i)
				line := "1h30 " + text + " payroll yesterday bank reconciliation"
				list, err := cache.Services(f.ctx, benchPractice)
				if err != nil {
					b.Fatal(err)
				}
				services := make([]timeparse.Service, 0, len(list))
				for _, s := range list {
					services = append(services, timeparse.Service{ID: s.ID, Code: s.Code, Name: s.Name})
				}
				var run standIn
				l, err := timeparse.ReadLog(line, f.today, &run, services)
				if err != nil || run.words != text || l.Service == nil {
					b.Fatalf("%q: client words %q, service %v: %v", line, run.words, l.Service, err)
				}
				entry, done, err := f.ts.LogNamedClient(f.ctx, f.p, run.words, timesheet.NewEntry{
					Member: f.members[i%len(f.members)], ServiceID: &l.Service.ID, WorkDate: l.Date,
					Minutes: l.Minutes, Description: l.Description, Billable: true,
					Key: "bench:log:" + strconv.Itoa(i),
				}, f.now)
				if err != nil || !done || entry.EntityID != want || !entry.Rate.Valid {
					b.Fatalf("log: done %v, client %d (want %d), rate %v: %v", done, entry.EntityID, want, entry.Rate, err)
				}
			})
		}
	}
	b.Run("fuzzy", logPath(func(i int) (string, int64) {
		t := i % len(benchTargets)
		return benchTargets[t].word, f.targets[t]
	}))
	b.Run("code", logPath(func(i int) (string, int64) {
		g := (i * 7919) % benchClients
		return strings.ToLower(f.codes[g]), f.entities[g]
	}))
}

// BenchmarkTimerStartStop is `/timer start` then `/timer stop` for one
// person (rotating over the team): Start locks the person, finds no timer
// running, inserts one and reads it back; Stop locks, reads the timer,
// logs its 47 minutes at the rate in force and deletes it. Two commands,
// two transactions, one floor.
func BenchmarkTimerStartStop(b *testing.B) {
	f := newBenchFix(b)
	b.Run("floor", f.runFloor)
	b.Run("start-stop", func(b *testing.B) {
		f.runPath(b, func(b *testing.B, i int) {
			m := f.members[i%len(f.members)]
			t := i % len(benchTargets)
			// Starts step through the last fortnight a minute at a time.
			start := f.now.Add(-14*24*time.Hour + time.Duration(i%(14*24*60))*time.Minute)
			st, err := f.ts.Start(f.ctx, f.p, timesheet.StartInput{Member: m, EntityID: f.targets[t], ServiceID: &f.payroll,
				Note: "Payroll run, 12 employees", Key: "bench:timer:" + strconv.Itoa(i)}, start)
			if err != nil || st.Stopped != nil {
				b.Fatalf("start: %+v %v", st, err)
			}
			sp, err := f.ts.Stop(f.ctx, f.p, m, "", start.Add(47*time.Minute))
			if err != nil || sp.Entry == nil || sp.Entry.Minutes != 47 || !sp.Entry.Rate.Valid {
				b.Fatalf("stop: %+v %v", sp, err)
			}
		})
	})
}

// BenchmarkRevalue is a rate change that reaches 10,000 unbilled entries:
// setting a client's rate from the start of the year saves the rate and
// revalues every one of the client's entries at the rate now in force for
// it, in one statement, inside the rate change's transaction. Its floor,
// timed after each iteration, is a bare autocommitted UPDATE of the same
// 10,000 rows to a fixed rate and value. Target: under 3× the floor.
func BenchmarkRevalue(b *testing.B) {
	f := newBenchFix(b)
	const n = 10000
	client := f.entities[benchClients-2] // no rate of its own in the card
	rows := make([][]any, 0, n)
	for i := range n {
		rows = append(rows, []any{string(benchPractice), int64(f.members[i%len(f.members)]), client, &f.payroll,
			f.today.AddDate(0, 0, -(i % 300)), 15 + i%120, timesheet.SourceManual, decimal.NewFromInt(80), decimal.NewFromInt(20)})
	}
	if _, err := f.pool.CopyFrom(f.ctx, pgx.Identifier{"time_entries"},
		[]string{"practice_id", "member_id", "entity_id", "service_id", "work_date", "minutes", "source", "rate", "value"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	// The history may hold a few of the client's entries already.
	var total int64
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM time_entries WHERE practice_id = $1 AND entity_id = $2 AND billing_state = 'unbilled'`,
		benchPractice, client).Scan(&total); err != nil || total < n {
		b.Fatalf("%d entries: %v", total, err)
	}
	from := f.today.AddDate(-2, 0, 0).Format(time.DateOnly)
	floor := func(i int) time.Duration {
		start := time.Now()
		tag, err := f.pool.Exec(f.ctx, `UPDATE time_entries SET rate = $3, value = $4, updated_at = now()
			WHERE practice_id = $1 AND entity_id = $2 AND billing_state = 'unbilled'`, benchPractice, client, 200+i%2, 10+i%2)
		if err != nil || tag.RowsAffected() != total {
			b.Fatalf("floor updated %d: %v", tag.RowsAffected(), err)
		}
		return time.Since(start)
	}
	var paths, floors []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		amount := strconv.Itoa(120 + i%2) // alternate, so every entry changes
		_, changed, err := f.ts.SetRate(f.ctx, f.p, 0, practice.RateInput{Key: practice.RateKey{EntityID: &client}, Amount: amount, From: from}, f.today)
		if err != nil || int64(changed) != total {
			b.Fatalf("revalued %d of %d: %v", changed, total, err)
		}
		paths = append(paths, time.Since(start))
		b.StopTimer()
		floors = append(floors, floor(i))
		i++
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(len(paths))/mean(floors), "x-floor")
	b.ReportMetric(float64(median(paths))/float64(median(floors)), "x-floor-p50")
	b.ReportMetric(float64(median(floors))/1e6, "floor-ms")
}
