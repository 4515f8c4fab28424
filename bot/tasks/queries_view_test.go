package tasks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// tkQueries are an open query and an answered one, with a file.
func tkQueries() []queries.Query {
	asked := tkTick.Add(3 * time.Hour)
	answered := asked.Add(26 * time.Hour)
	return []queries.Query{
		{ID: 1, TaskID: 42, Text: "What was the £2,400 paid to <Smith Ltd> on 14 November for?", AskedBy: "Rex Reviewer", AskedAt: asked},
		{ID: 2, TaskID: 42, Text: "Is the van on the balance sheet still yours?", AskedBy: "Bea Bookkeeper", AskedAt: asked,
			Answer: "Yes — sold in December.", AnsweredBy: "Jane Smith", AnsweredAt: &answered,
			Files: []queries.File{{ID: 9, Name: "van-sale.pdf", Size: 48_000}}},
	}
}

func tkInReview() workflow.Task {
	review := tkTickItems(tkTask(), 1, 2, 3, 4)
	review.ReviewState = workflow.ReviewRequested
	sent := tkTick.Add(2 * time.Hour)
	review.SentForReviewAt = &sent
	return tkSettle(review)
}

// The window during review shows the open and answered queries, the
// practice's files of the pack with their toggles, and Query the client;
// once approved with a query open, the reviewer is offered Deliver
// anyway; once delivered, what went and to whom.
func TestTaskModalQueriesGolden(t *testing.T) {
	t.Parallel()
	files := []queries.PackFile{{ID: 70, Name: "ACME management accounts Nov 2026.pdf", Size: 210_000, InPack: true},
		{ID: 71, Name: "ACME working papers.xlsx", Size: 64_000}}
	v := tasks.TaskModal(tasks.TaskModalData{Task: tkInReview(), Today: tkToday, Loc: london, MayReview: true, Rev: 5,
		Queries: tkQueries(), MayQuery: true, PackFiles: files})
	blockkittest.GoldenModal(t, "task_modal_queries", v)
	raw := blockkittest.JSON(t, v)
	for _, want := range []string{"Open queries to the client: 1", "£2,400 paid to &lt;Smith Ltd&gt;", "Jane Smith, Wed 4 Nov: Yes — sold in December.",
		"1 of 2 files marked to deliver", `"task.pack.file"`, `"70:0"`, `"71:1"`, `"task.query"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the window lacks %s", want)
		}
	}

	approved := tkTickItems(tkInReview(), 5)
	approved.ReviewState = workflow.ReviewApproved
	approved = tkSettle(approved)
	v = tasks.TaskModal(tasks.TaskModalData{Task: approved, Today: tkToday, Loc: london, MayReview: true, Queries: tkQueries(), PackFiles: files})
	blockkittest.GoldenModal(t, "task_modal_deliver_anyway", v)
	if raw := blockkittest.JSON(t, v); !strings.Contains(raw, `"task.deliver.override"`) || !strings.Contains(raw, `"task.deliver"`) {
		t.Error("the reviewer is not offered Deliver anyway")
	}
	// The preparer is not.
	if raw := blockkittest.JSON(t, tasks.TaskModal(tasks.TaskModalData{Task: approved, Today: tkToday, Loc: london, Queries: tkQueries()})); strings.Contains(raw, `"task.deliver.override"`) {
		t.Error("the preparer is offered Deliver anyway")
	}

	done := approved
	at := tkTick.Add(72 * time.Hour)
	done.CompletedAt = &at
	done = tkSettle(done)
	files[0].Delivered = true
	v = tasks.TaskModal(tasks.TaskModalData{Task: done, Today: tkToday, Loc: london, Queries: tkQueries(), PackFiles: files,
		Delivery: &queries.Delivery{At: at, By: "Bea Bookkeeper", Method: "both", Files: []string{files[0].Name},
			Recipients: []string{"jane@acme.example", "bob@acme.example"}}})
	blockkittest.GoldenModal(t, "task_modal_delivered_pack", v)
	if raw := blockkittest.JSON(t, v); !strings.Contains(raw, "Delivered to the client") || strings.Contains(raw, `"task.pack.file"`) {
		t.Error("a delivered pack does not say what went, or still toggles its files")
	}
}

func TestTaskQueryModalsGolden(t *testing.T) {
	t.Parallel()
	meta := tasks.TaskMeta{TaskID: 42, Parent: "V123", Rev: 5}
	blockkittest.GoldenModal(t, "task_query_modal", tasks.TaskQueryModal(tkInReview(),
		[]requests.Contact{{ID: 1, Name: "Jane Smith", Email: "jane@acme.example"}}, meta))
	blockkittest.GoldenModal(t, "task_query_modal_no_contact", tasks.TaskQueryModal(tkInReview(), nil, meta))
	blockkittest.GoldenModal(t, "task_deliver_override_modal", tasks.TaskDeliverOverrideModal(tkInReview(), tkQueries()[:1], meta))
}

func TestAnsweredMessageGolden(t *testing.T) {
	t.Parallel()
	q := tkQueries()[1]
	m := tasks.AnsweredMessage(queries.Answered{Query: q, Client: "Acme Trading Ltd", Period: atlas.Period{Year: 2026, Month: time.November}})
	blockkittest.GoldenMessage(t, "task_query_answered_dm", m.Blocks)
	if !strings.HasPrefix(m.Text, "Acme Trading Ltd answered your query: Is the van") {
		t.Errorf("the DM's text: %q", m.Text)
	}
	raw := blockkittest.JSON(t, m.Blocks)
	for _, want := range []string{"*Acme Trading Ltd* answered your query", "Yes — sold in December.", "van-sale.pdf", `"task.open"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the DM lacks %s", want)
		}
	}
}

func TestParsePackFileValue(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{"70:1": true, "70:0": true, "70": false, "x:1": false, "70:2": false, "0:1": false} {
		if _, _, ok := tasks.ParsePackFileValue(v); ok != want {
			t.Errorf("%q: ok %v", v, ok)
		}
	}
	if id, in, _ := tasks.ParsePackFileValue("70:1"); id != 70 || !in {
		t.Errorf("70:1 → %d %v", id, in)
	}
}
