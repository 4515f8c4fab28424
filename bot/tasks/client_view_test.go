package tasks_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlas-practice/atlas/bot/blockkit"
	"github.com/atlas-practice/atlas/bot/blockkit/blockkittest"
	"github.com/atlas-practice/atlas/bot/tasks"
	"github.com/atlas-practice/atlas/internal/requests"
	"github.com/atlas-practice/atlas/internal/workflow"
)

// A pack asked of its client: the requests and reminders emailed, an
// item asked ad hoc, an item received from the client (who, when), and
// the pack's documents with their download links.
func TestTaskModalWithRequestsAndDocuments(t *testing.T) {
	t.Parallel()
	task := tkTask()
	at := func(s string) time.Time { d, _ := time.Parse(time.DateTime, s); return d }
	recv := at("2026-12-03 10:15:00")
	task.Items[0].ClientRequest = "Your bank statements for November, for every account"
	task.Items[0].ReceivedBy, task.Items[0].ReceivedByName, task.Items[0].ReceivedAt, task.Items[0].DoneAt = 9, "Jane Smith", &recv, &recv
	task.Items[1].ClientRequest = "Copies of your sales invoices"
	task.Items = append(task.Items, workflow.Item{ID: 199, Stage: 1, Position: 99, Mandatory: true,
		Text: "Your VAT return <Q4>", ClientRequest: "Your VAT return <Q4>"})
	task = tkSettle(task)
	d := tasks.TaskModalData{Task: task, Today: tkToday, Loc: london, MayAsk: true,
		Sent: []requests.Sent{
			{At: at("2026-12-02 07:00:00"), Step: 0, Items: []string{"a", "b"}},
			{At: at("2026-12-03 11:00:00"), AdHoc: true, By: "Bea Bookkeeper", Items: []string{"Your VAT return <Q4>"}},
			{At: at("2026-12-05 07:00:00"), Step: 3, Items: []string{"b"}},
		},
		DocumentsTotal: 2,
		Documents: []tasks.TaskDocument{
			{Document: requests.Document{ID: 71, Name: "bank <nov> & dec.pdf", Size: 1536000, From: "Jane Smith", At: recv, Item: task.Items[0].Text},
				URL: "https://portal.example/portal/files/TOKEN71"},
			{Document: requests.Document{ID: 70, Name: "scan.jpg", Size: 812, From: "Bob Jones", At: recv}, URL: "https://portal.example/portal/files/TOKEN70"},
		}}
	v := tasks.TaskModal(d)
	blockkittest.GoldenModal(t, "task_modal_client", v)
	raw := blockkittest.JSON(t, v)
	for _, want := range []string{
		"Received from Jane Smith · Thu 3 Dec 10:15", "Asked of the client",
		"Request emailed Wed 2 Dec (2 items) · Reminder Sat 5 Dec (1 item)", "Asked Thu 3 Dec by Bea Bookkeeper: _Your VAT return &lt;Q4&gt;_",
		"Documents for this pack* · 2 files", "<https://portal.example/portal/files/TOKEN71|bank &lt;nov&gt; &amp; dec.pdf> · 1.5 MB · from Jane Smith, 3 Dec",
		"scan.jpg> · 812 bytes · from Bob Jones", `"action_id":"task.ask","value":"42"`, "Ask the client for a document",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("modal lacks %q", want)
		}
	}

	// Without the portal: names only, and no button.
	d.MayAsk = false
	for i := range d.Documents {
		d.Documents[i].URL = ""
	}
	raw = blockkittest.JSON(t, tasks.TaskModal(d))
	if strings.Contains(raw, "portal.example") || strings.Contains(raw, `"task.ask"`) || !strings.Contains(raw, "*bank &lt;nov&gt; &amp; dec.pdf* · 1.5 MB") {
		t.Errorf("without the portal:\n%s", raw)
	}

	// Delivered: the received item says who sent it.
	done := tkTick
	task.CompletedAt, task.ReviewState = &done, workflow.ReviewApproved
	d.Task = task
	if raw := blockkittest.JSON(t, tasks.TaskModal(d)); !strings.Contains(raw, "— from Jane Smith, 3 Dec") {
		t.Errorf("delivered checklist lacks the sender:\n%s", raw)
	}
}

// Many documents and requests, and the longest checklist: the window stays
// within Slack's limits.
func TestTaskModalClientSectionWithinLimits(t *testing.T) {
	t.Parallel()
	huge := tkTask()
	huge.Items = nil
	for i := range 1500 {
		huge.Items = append(huge.Items, workflow.Item{ID: int64(10000 + i), Stage: 1 + i%6, Text: fmt.Sprintf("Item %d", i), Mandatory: true})
	}
	huge = tkSettle(huge)
	d := tasks.TaskModalData{Task: huge, Today: tkToday, Loc: london, MayAsk: true, MayReassign: true, MayReview: true, Notice: ":warning: A notice.",
		DocumentsTotal: 500}
	for range 40 {
		d.Sent = append(d.Sent, requests.Sent{At: tkTick, AdHoc: true, By: "Bea", Items: []string{strings.Repeat("<&>", 100)}})
	}
	for i := range 40 {
		d.Documents = append(d.Documents, tasks.TaskDocument{Document: requests.Document{ID: int64(i), Name: strings.Repeat("&", 255), Size: 1 << 24, From: strings.Repeat("n", 100), At: tkTick,
			Item: strings.Repeat("i", 300)}, URL: "https://portal.example/portal/files/" + strings.Repeat("t", 64)})
	}
	v := tasks.TaskModal(d)
	if err := blockkit.CheckModal(v); err != nil {
		t.Fatal(err)
	}
	raw := blockkittest.JSON(t, v)
	for _, want := range []string{"more items not shown", `"task.ask"`, "Documents for this pack", "28 earlier requests", "… and "} {
		if !strings.Contains(raw, want) {
			t.Errorf("lacks %q", want)
		}
	}
}
