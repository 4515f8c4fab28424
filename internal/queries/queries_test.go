package queries_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/pgtest"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/workflow"
)

const portalURL = "https://portal.ledgerline.example"

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	seq    atomic.Int64
)

// fixture is a practice with Bea (preparer) and Rex (reviewer), ACME with
// two contacts who receive requests and one who receives invoices only,
// and ACME's November pack.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	pool     *pgxpool.Pool
	pid      atlas.PracticeID
	p        practice.Practice
	ws       workflow.Store
	bea, rex practice.Member
	entity   int64
	task     int64
	now      time.Time
	contacts map[string]int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	f := &fixture{t: t, ctx: ctx, pool: pool, pid: atlas.PracticeID(fmt.Sprintf("TQRY%d%d", time.Now().UnixNano()%100000, seq.Add(1))),
		ws: workflow.Store{DB: pool}, now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), contacts: map[string]int64{}}
	ps := practice.Store{DB: pool}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := ps.Ensure(ctx, f.pid)
	must(err)
	f.p, err = ps.SaveBasics(ctx, f.pid, 0, practice.Basics{Name: "Ledgerline & Co", Timezone: "Europe/London", Currency: "GBP", VATRate: "20"})
	must(err)
	_, err = ps.SaveDeliverySettings(ctx, f.pid, 0, practice.DeliverySettings{InvoiceFromEmail: "accounts@ledgerline.example", InvoiceFromName: "Ledgerline Accounts"})
	must(err)
	f.p, err = ps.Get(ctx, f.pid)
	must(err)
	f.bea, err = ps.AddMember(ctx, f.pid, 0, practice.NewMember{SlackUserID: "UBEA", Name: "Bea Bookkeeper", Role: atlas.RoleStaff})
	must(err)
	f.rex, err = ps.AddMember(ctx, f.pid, 0, practice.NewMember{SlackUserID: "UREX", Name: "Rex Reviewer", Role: atlas.RoleStaff})
	must(err)
	tpl, err := f.ws.EnsureStandard(ctx, f.pid, f.now)
	must(err)
	contacts := "Jane Smith <jane@acme.example> requests\nBob Jones <bob@acme.example>\nIvy <ivy@acme.example> invoices"
	e, err := ps.SaveEntity(ctx, f.pid, 0, 0, practice.EntityInput{Code: "ACME", Name: "Acme Trading Ltd", Contacts: &contacts})
	must(err)
	f.entity = e.ID
	_, err = f.ws.Assign(ctx, f.p, 0, workflow.AssignInput{EntityID: e.ID, TemplateID: tpl, Preparer: f.bea.ID, Reviewer: f.rex.ID},
		time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	must(err)
	must(pool.QueryRow(ctx, `SELECT id FROM tasks WHERE practice_id = $1 AND entity_id = $2 AND period = '2026-11-01'`, f.pid, e.ID).Scan(&f.task))
	rows, err := pool.Query(ctx, `SELECT email, id FROM client_contacts WHERE practice_id = $1`, f.pid)
	must(err)
	var email string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&email, &id}, func() error { f.contacts[email] = id; return nil })
	must(err)
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	f.must(f.pool.QueryRow(f.ctx, sql, args...).Scan(&n))
	return n
}

// tick ticks every item of the stages, as Bea (Rex for review items).
func (f *fixture) tick(stages ...int) {
	f.t.Helper()
	t, err := f.ws.Task(f.ctx, f.pid, f.task)
	f.must(err)
	shown, want := map[int64]bool{}, map[int64]bool{}
	for _, it := range t.Items {
		for _, s := range stages {
			if it.Stage == s {
				shown[it.ID], want[it.ID] = it.Done(), true
			}
		}
	}
	actor := f.bea
	if stages[0] == 5 {
		actor = f.rex
	}
	_, err = f.ws.Tick(f.ctx, f.p, actor, f.task, shown, want, f.now)
	f.must(err)
}

// toReview sends the pack for review.
func (f *fixture) toReview() {
	f.t.Helper()
	f.tick(1, 2, 3, 4)
	_, err := f.ws.SendForReview(f.ctx, f.p, f.bea, f.task, f.now)
	f.must(err)
}

// approve reviews and approves it, and ticks the delivery items.
func (f *fixture) approve() {
	f.t.Helper()
	f.tick(5)
	_, err := f.ws.Approve(f.ctx, f.p, f.rex, f.task, f.now)
	f.must(err)
	f.tick(6)
}

// practiceFile stores a file of the practice's for the pack.
func (f *fixture) practiceFile(name string, data []byte, inPack bool) int64 {
	f.t.Helper()
	key := fmt.Sprintf("test-%s-%d", f.pid, seq.Add(1))
	sum := sha256.Sum256(data)
	var id int64
	f.must(db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		if err := (portal.PGBlobs{}).Put(f.ctx, tx, key, data); err != nil {
			return err
		}
		return tx.QueryRow(f.ctx, `INSERT INTO documents (practice_id, entity_id, period, task_id, source, member_id, file_name, content_type,
				size, sha256, storage_key, in_pack)
			VALUES ($1, $2, '2026-11-01', $3, 'practice', $4, $5, 'application/pdf', $6, $7, $8, $9) RETURNING id`,
			f.pid, f.entity, f.task, int64(f.bea.ID), name, len(data), sum[:], key, inPack).Scan(&id)
	}))
	return id
}

func (f *fixture) flag(actor practice.Member, text string) (queries.Flagged, error) {
	return queries.Flag(f.ctx, f.pool, portal.Signer{Secret: secret}, portalURL, f.p, actor, f.task, text, f.now)
}

func (f *fixture) deliver(actor practice.Member, note string) (workflow.Task, queries.Delivered, error) {
	var d queries.Delivered
	t, err := f.ws.DeliverWith(f.ctx, f.p, actor, f.task, f.now, func(tx pgx.Tx, t workflow.Task) error {
		var err error
		d, err = queries.Deliver(f.ctx, tx, t, queries.DeliverOptions{Practice: f.p, Actor: actor, OverrideNote: note,
			Signer: portal.Signer{Secret: secret}, PortalURL: portalURL, Now: f.now})
		return err
	})
	return t, d, err
}

func wantCode(t *testing.T, what string, err error, code string, words ...string) {
	t.Helper()
	if atlas.ErrorCode(err) != code {
		t.Fatalf("%s: %v (code %v), want %v", what, err, atlas.ErrorCode(err), code)
	}
	for _, w := range words {
		if !strings.Contains(atlas.ErrorMessage(err), w) {
			t.Errorf("%s: %q lacks %q", what, atlas.ErrorMessage(err), w)
		}
	}
}

// A query is raised during review only; it is stored with one email job
// per contact who receives requests, each with a sign-in link; the
// contact's answer (words and a file) closes it and queues the preparer's
// DM; a second answer is refused.
func TestFlagAndAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.flag(f.bea, "What was the £2,400 to Smith Ltd for?")
	wantCode(t, "before review", err, atlas.EConflict, "send the pack for review first")
	f.toReview()
	_, err = f.flag(f.rex, "  ")
	if atlas.ErrorField(err) != queries.FieldText {
		t.Fatalf("an empty query: %v", err)
	}
	_, err = f.flag(f.rex, strings.Repeat("x", queries.MaxText+1))
	if atlas.ErrorField(err) != queries.FieldText {
		t.Fatalf("a long query: %v", err)
	}
	fl, err := f.flag(f.rex, "What was the £2,400 to Smith Ltd for?")
	f.must(err)
	if len(fl.Contacts) != 2 {
		t.Fatalf("emailed %d contacts, want Jane and Bob", len(fl.Contacts))
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'practice' = $2 AND (args->>'query_id')::bigint = $3
		AND `+linkedJob, queries.QueryJobKind, string(f.pid), fl.ID); n != 2 {
		t.Fatalf("%d query email jobs, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM audit_events WHERE practice_id = $1 AND action = $2`, f.pid, queries.AuditFlag); n != 1 {
		t.Errorf("%d audit rows", n)
	}
	qs, err := queries.ForTask(f.ctx, f.pool, f.pid, f.task)
	f.must(err)
	if len(qs) != 1 || !qs[0].Open() || qs[0].AskedBy != "Rex Reviewer" {
		t.Fatalf("queries: %+v", qs)
	}

	// Another client's contact finds nothing.
	if _, err := queries.Find(f.ctx, f.pool, f.pid, f.entity+1000, fl.ID); err != queries.ErrNoQuery {
		t.Fatalf("another client's query: %v", err)
	}
	tg, err := queries.Find(f.ctx, f.pool, f.pid, f.entity, fl.ID)
	f.must(err)
	if !tg.Open || tg.TaskID != f.task {
		t.Fatalf("target: %+v", tg)
	}
	jane := f.contacts["jane@acme.example"]
	// An empty answer is refused.
	err = db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		return queries.Answer(f.ctx, tx, f.pid, jane, f.entity, fl.ID, " ", nil, f.now)
	})
	wantCode(t, "empty answer", err, atlas.EInvalid, "Write an answer")
	f.must(db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		return queries.Answer(f.ctx, tx, f.pid, jane, f.entity, fl.ID, "A new van.", nil, f.now.Add(time.Hour))
	}))
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = 'slack_post' AND args->>'practice' = $1 AND args->>'render' = $2
		AND args->>'channel' = 'UBEA' AND (args->'subject'->>'id')::bigint = $3`, string(f.pid), queries.RenderAnswered, fl.ID); n != 1 {
		t.Fatalf("%d preparer DMs queued, want 1", n)
	}
	err = db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		return queries.Answer(f.ctx, tx, f.pid, jane, f.entity, fl.ID, "Again.", nil, f.now)
	})
	if err != queries.ErrAnswered {
		t.Fatalf("a second answer: %v", err)
	}
	a, err := queries.ReadAnswered(f.ctx, f.pool, f.pid, fl.ID)
	f.must(err)
	if a.Open() || a.Answer != "A new van." || a.AnsweredBy != "Jane Smith" || a.Client != "Acme Trading Ltd" || a.Period.String() != "2026-11" {
		t.Fatalf("answered: %+v", a)
	}
}

// Delivery is refused with nothing marked, and while a query is open
// unless the reviewer overrides it with a note; then it publishes the
// marked files, records the delivery and queues its emails.
func TestDeliver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.toReview()
	fl, err := f.flag(f.bea, "Is the van still yours?")
	f.must(err)
	f.approve()

	unmarked := f.practiceFile("working papers.xlsx", []byte("papers"), false)
	_, _, err = f.deliver(f.bea, "")
	wantCode(t, "nothing marked", err, atlas.EConflict, "Nothing is marked to deliver")
	if n := f.count(`SELECT count(*) FROM tasks WHERE id = $1 AND completed_at IS NULL`, f.task); n != 1 {
		t.Fatal("a refused delivery completed the task")
	}

	// Marking: only the practice's own files, only by the pack's people.
	a := f.practiceFile("accounts.pdf", []byte("%PDF-1.4 accounts"), false)
	if _, err := queries.SetInPack(f.ctx, f.pool, f.p, f.bea, a, true); err != nil {
		t.Fatal(err)
	}
	b := f.practiceFile("notes.pdf", []byte("%PDF-1.4 notes"), true)
	files, err := queries.PackFiles(f.ctx, f.pool, f.pid, f.task)
	f.must(err)
	if len(files) != 3 || files[0].InPack || !files[1].InPack || !files[2].InPack {
		t.Fatalf("pack files: %+v", files)
	}

	_, _, err = f.deliver(f.bea, "")
	wantCode(t, "query open", err, atlas.EConflict, "1 query to the client is still open", "Is the van still yours?")
	_, _, err = f.deliver(f.bea, "Answered by phone.")
	wantCode(t, "preparer overrides", err, atlas.EForbidden, "Only the reviewer")
	if n := f.count(`SELECT count(*) FROM pack_deliveries WHERE practice_id = $1`, f.pid); n != 0 {
		t.Fatalf("%d deliveries recorded after refusals", n)
	}

	task, d, err := f.deliver(f.rex, "Answered by phone on 8 December.")
	f.must(err)
	if task.CompletedAt == nil || d.Method != "email" || len(d.Files) != 2 || len(d.Recipients) != 2 || d.Overridden != 1 {
		t.Fatalf("delivered: %+v (completed %v)", d, task.CompletedAt)
	}
	if n := f.count(`SELECT count(*) FROM documents WHERE practice_id = $1 AND delivery_id = $2 AND id = ANY($3)`, f.pid, d.ID, []int64{a, b}); n != 2 {
		t.Errorf("%d files published", n)
	}
	if n := f.count(`SELECT count(*) FROM documents WHERE id = $1 AND delivery_id IS NULL`, unmarked); n != 1 {
		t.Error("an unmarked file was published")
	}
	if n := f.count(`SELECT count(*) FROM queries WHERE id = $1 AND overridden_by = $2 AND override_note = 'Answered by phone on 8 December.'`, fl.ID, int64(f.rex.ID)); n != 1 {
		t.Error("the override is not recorded on the query")
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'practice' = $2 AND (args->>'delivery_id')::bigint = $3
		AND NOT args ? 'link_id'`, queries.DeliveryJobKind, string(f.pid), d.ID); n != 2 {
		t.Errorf("%d delivery email jobs (without links), want 2", n)
	}
	dl, ok, err := queries.DeliveryOf(f.ctx, f.pool, f.pid, f.task)
	f.must(err)
	if !ok || dl.By != "Rex Reviewer" || dl.Note == "" || strings.Join(dl.Files, ",") != "accounts.pdf,notes.pdf" {
		t.Fatalf("delivery: %+v", dl)
	}
	// Delivered: the files are fixed.
	if _, err := queries.SetInPack(f.ctx, f.pool, f.p, f.bea, unmarked, true); atlas.ErrorCode(err) != atlas.EConflict {
		t.Fatalf("marking after delivery: %v", err)
	}
}

// A client that takes its pack through the portal gets a link in every
// email.
func TestDeliverByPortal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.pool.Exec(f.ctx, `UPDATE entities SET delivery_method = 'portal' WHERE id = $1`, f.entity); err != nil {
		t.Fatal(err)
	}
	f.toReview()
	f.approve()
	f.practiceFile("accounts.pdf", []byte("%PDF-1.4 accounts"), true)
	_, d, err := f.deliver(f.bea, "ignored: no query is open")
	f.must(err)
	if d.Method != "portal" || d.Overridden != 0 {
		t.Fatalf("delivered: %+v", d)
	}
	if n := f.count(`SELECT count(*) FROM pack_deliveries WHERE id = $1 AND override_note IS NULL`, d.ID); n != 1 {
		t.Error("a note with no open query was kept")
	}
	if n := f.count(`SELECT count(*) FROM river_job WHERE kind = $1 AND (args->>'delivery_id')::bigint = $2 AND `+linkedJob,
		queries.DeliveryJobKind, d.ID); n != 2 {
		t.Errorf("%d delivery jobs with links, want 2", n)
	}
}

// The practice closes a query it no longer needs answered: it is no
// longer open, the client cannot answer it, and it no longer holds the
// delivery up.
func TestClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.toReview()
	fl, err := f.flag(f.rex, "Is the van still yours?")
	f.must(err)
	if _, err := queries.Close(f.ctx, f.pool, f.p, f.bea, fl.ID, f.now); err != nil {
		t.Fatal(err)
	}
	if _, err := queries.Close(f.ctx, f.pool, f.p, f.bea, fl.ID, f.now); err != queries.ErrAnswered {
		t.Fatalf("closing twice: %v", err)
	}
	tg, err := queries.Find(f.ctx, f.pool, f.pid, f.entity, fl.ID)
	f.must(err)
	if tg.Open {
		t.Fatal("a closed query is open")
	}
	err = db.InTx(f.ctx, f.pool, func(tx pgx.Tx) error {
		return queries.Answer(f.ctx, tx, f.pid, f.contacts["jane@acme.example"], f.entity, fl.ID, "Yes.", nil, f.now)
	})
	if err != queries.ErrAnswered {
		t.Fatalf("answering a closed query: %v", err)
	}
	f.approve()
	f.practiceFile("accounts.pdf", []byte("%PDF-1.4"), true)
	if _, _, err := f.deliver(f.bea, ""); err != nil {
		t.Fatalf("a closed query held the delivery up: %v", err)
	}
}

// linkedJob is the condition of an email job that names a sign-in link of
// its own contact, and holds no working link itself.
const linkedJob = `EXISTS (SELECT 1 FROM portal_links l WHERE l.id = (args->>'link_id')::bigint AND l.contact_id = (args->>'contact_id')::bigint)
	AND NOT args ? 'link'`
