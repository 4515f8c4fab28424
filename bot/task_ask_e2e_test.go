package bot_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/atlas-practice/atlas/bot/slackapp"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/bot/ui"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// newAskWorld is the task world with the client portal set up for the
// task routes (the only ones registered).
func newAskWorld(t *testing.T) *taskWorld {
	t.Helper()
	return newTaskWorldOn(t, func(extra func(*slackapp.Router)) *harness {
		return newHarnessWith(t, "socket", func(rt *slackapp.Router, pool *pgxpool.Pool) {
			tasks.Register(rt, tasks.Deps{Practice: practice.Store{DB: pool}, Work: workflow.Store{DB: pool},
				PortalURL: "https://portal.ledgerline.example", PortalSecret: []byte("0123456789abcdef0123456789abcdef")})
		}, extra)
	})
}

// The preparer asks ACME for a document from the task window: refused on
// the form while ACME has no contact who receives requests; then the item
// joins stage 1, the window shows it and the request, and the email job
// is queued for the contact.
func TestTaskAskTheClient(t *testing.T) {
	t.Parallel()
	w := newAskWorld(t)
	task := w.generate()
	before := len(w.items(task))
	modal := w.click(tkPreparerID, nil, ui.ActionTaskOpen, task)
	raw, _ := json.Marshal(modal)
	if !strings.Contains(string(raw), `"action_id":"`+tasks.ActionTaskAsk+`"`) {
		t.Fatal("the preparer is not offered Ask the client")
	}

	mark := w.seq()
	w.click(tkPreparerID, modal, tasks.ActionTaskAsk, task)
	form, ok := w.viewCall("views.push", tasks.CallbackTaskAsk, mark)
	if !ok {
		t.Fatal("Ask the client pushed no form")
	}
	mustContain(t, "no contact yet", taskViewText(t, form), "ACME has no contact who receives document requests")
	meta, _ := form["private_metadata"].(string)
	const words = "Your VAT return for the quarter to 30 November"
	errs := responseErrors(t, w.interact(submission(tkPreparerID, tasks.CallbackTaskAsk, meta, map[string]any{tasks.TaskAskWords: textVal(words)})))
	mustContain(t, "no contact", errs[tasks.TaskAskWords], "no contact who receives document requests", "client form")
	if n := len(w.items(task)); n != before {
		t.Fatalf("a refused ask added items: %d, was %d", n, before)
	}

	if _, err := w.pool.Exec(w.ctx, `INSERT INTO client_contacts (practice_id, entity_id, name, email) VALUES ($1, $2, 'Jane Smith', 'jane@acme.example')`,
		w.pid, w.acme); err != nil {
		t.Fatal(err)
	}
	// Someone with nothing to do with the pack is refused on the form.
	errs = responseErrors(t, w.interact(submission(tkOutsiderID, tasks.CallbackTaskAsk, meta, map[string]any{tasks.TaskAskWords: textVal(words)})))
	mustContain(t, "outsider", errs[tasks.TaskAskWords], "Only the preparer")
	errs = responseErrors(t, w.interact(submission(tkPreparerID, tasks.CallbackTaskAsk, meta, map[string]any{tasks.TaskAskWords: textVal(" ")})))
	mustContain(t, "empty", errs[tasks.TaskAskWords], "Say what the client should send")

	mark = w.seq()
	if errs := responseErrors(t, w.interact(submission(tkPreparerID, tasks.CallbackTaskAsk, meta, map[string]any{tasks.TaskAskWords: textVal(words)}))); errs != nil {
		t.Fatalf("ask refused: %v", errs)
	}
	w.settle()
	items := w.items(task)
	if len(items) != before+1 {
		t.Fatalf("%d items after asking, want %d", len(items), before+1)
	}
	var item int64
	var stage int
	var mandatory bool
	var asked string
	if err := w.pool.QueryRow(w.ctx, `SELECT id, stage, mandatory, client_request FROM task_items WHERE practice_id = $1 AND task_id = $2 AND text = $3`,
		w.pid, task, words).Scan(&item, &stage, &mandatory, &asked); err != nil {
		t.Fatal(err)
	}
	if stage != 1 || !mandatory || asked != words {
		t.Fatalf("the item: stage %d mandatory %v asked %q", stage, mandatory, asked)
	}
	redrawn, ok := w.viewCall("views.update", tasks.CallbackTask, mark)
	if !ok {
		t.Fatal("the task window was not redrawn after asking")
	}
	mustContain(t, "window", taskViewText(t, redrawn), "Asked ACME for", words+" *", "Asked of the client", "Asked Mon 2 Nov by Bea Bookkeeper")

	var jobs int
	var contact int64
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*), coalesce(max((args->>'contact_id')::bigint), 0) FROM river_job
		WHERE kind = $1 AND args->>'practice' = $2 AND (args->>'item_id')::bigint = $3 AND (args->>'task_id')::bigint = $4
		  AND (args->>'link_id')::bigint IN (SELECT id FROM portal_links WHERE contact_id = (args->>'contact_id')::bigint) AND NOT args ? 'link'`,
		requests.JobKind, string(w.pid), item, task).Scan(&jobs, &contact); err != nil {
		t.Fatal(err)
	}
	if jobs != 1 || contact == 0 {
		t.Fatalf("%d request email jobs queued (contact %d), want 1 to Jane", jobs, contact)
	}
}
