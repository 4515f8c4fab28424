package queries_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/mail"
	"github.com/atlas-practice/atlas/internal/maildev"
	"github.com/atlas-practice/atlas/internal/portal"
	"github.com/atlas-practice/atlas/internal/queries"
	"github.com/atlas-practice/atlas/internal/requests"
)

func startMaildev(t *testing.T, f *fixture) (*maildev.Server, queries.Deps) {
	t.Helper()
	md, err := maildev.Start(f.ctx, maildev.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := md.Stop(); err != nil {
			t.Errorf("stop maildev: %v", err)
		}
	})
	sender, err := mail.NewSender(md.SMTPConfig("Atlas <atlas@atlas.example>"))
	if err != nil {
		t.Fatal(err)
	}
	return md, queries.Deps{Pool: f.pool, Mail: sender, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Signer: portal.Signer{Secret: secret}, PortalURL: portalURL}
}

// jobArgs reads the queued jobs' args of a kind, none of which may hold
// a working sign-in link.
func jobArgs[A any](f *fixture, kind string) []A {
	f.t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT args FROM river_job WHERE kind = $1 AND args->>'practice' = $2 ORDER BY id`, kind, string(f.pid))
	f.must(err)
	var out []A
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&raw}, func() error {
		if strings.Contains(string(raw), "/portal/login") {
			return fmt.Errorf("a job stores a sign-in link: %s", raw)
		}
		var a A
		if err := json.Unmarshal(raw, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	f.must(err)
	return out
}

func byRecipient(emails []maildev.Email) map[string]maildev.Email {
	out := map[string]maildev.Email{}
	for _, e := range emails {
		if len(e.To) > 0 {
			out[e.To[0].Address] = e
		}
	}
	return out
}

// The query's email reaches each contact who receives requests with the
// question and their own sign-in link; the delivery's email carries the
// two marked files as attachments.
func TestQueryAndDeliveryEmails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	md, deps := startMaildev(t, f)
	f.toReview()
	fl, err := f.flag(f.rex, "What was the £2,400 paid to Smith Ltd on 14 November for?\nAn invoice would help.")
	f.must(err)
	qargs := jobArgs[queries.QueryArgs](f, queries.QueryJobKind)
	if len(qargs) != 2 {
		t.Fatalf("%d query jobs", len(qargs))
	}
	for _, a := range qargs {
		f.must(queries.WorkQuery(f.ctx, deps, a))
	}
	got, err := md.WaitForEmails(f.ctx, 2)
	f.must(err)
	emails := byRecipient(got)
	for _, a := range qargs {
		var to string
		for addr, id := range f.contacts {
			if id == a.ContactID {
				to = addr
			}
		}
		e, ok := emails[to]
		if !ok {
			t.Fatalf("no email to %s: %v", to, emails)
		}
		tok, err := portal.Signer{Secret: secret}.LinkToken(f.ctx, f.pool, f.pid, a.LinkID)
		f.must(err)
		if e.Subject != "A question about November 2026 — Acme Trading Ltd" || !strings.Contains(e.Text, "What was the £2,400 paid to Smith Ltd") ||
			!strings.Contains(e.Text, requests.LoginURL(portalURL, tok)) || !strings.Contains(e.HTML, "Answer it in the client portal") {
			t.Errorf("the query email to %s: %s\n%s", to, e.Subject, e.Text)
		}
		if e.From[0].Address != "accounts@ledgerline.example" || e.Header("X-Atlas-Query") == "" {
			t.Errorf("from %v, header %q", e.From, e.Header("X-Atlas-Query"))
		}
	}
	if _, ok := emails["ivy@acme.example"]; ok {
		t.Error("the invoices-only contact got the query")
	}
	// A query answered meanwhile sends nothing more.
	jane := f.contacts["jane@acme.example"]
	_, err = f.pool.Exec(f.ctx, `UPDATE queries SET answered_at = now(), answered_by = $2 WHERE id = $1`, fl.ID, jane)
	f.must(err)
	f.must(md.DeleteAll(f.ctx))
	f.must(queries.WorkQuery(f.ctx, deps, qargs[0]))

	// Delivery by email: both files attached, no link.
	f.approve()
	accounts := []byte("%PDF-1.4 management accounts for November")
	notes := []byte("%PDF-1.4 notes to the accounts")
	f.practiceFile("ACME management accounts Nov 2026.pdf", accounts, true)
	f.practiceFile("Notes.pdf", notes, true)
	f.practiceFile("working papers.pdf", []byte("%PDF-1.4 internal"), false)
	_, _, err = f.deliver(f.bea, "")
	f.must(err)
	dargs := jobArgs[queries.DeliveryArgs](f, queries.DeliveryJobKind)
	if len(dargs) != 2 {
		t.Fatalf("%d delivery jobs", len(dargs))
	}
	for _, a := range dargs {
		f.must(queries.WorkDelivery(f.ctx, deps, a))
	}
	got, err = md.WaitForEmails(f.ctx, 2)
	f.must(err)
	if len(got) != 2 {
		t.Fatalf("%d emails after delivery (the answered query's email must not go)", len(got))
	}
	for _, e := range got {
		if e.Subject != "Your management accounts for November 2026 — Acme Trading Ltd" || strings.Contains(e.Text, "/portal/login") ||
			!strings.Contains(e.Text, "attached to this email") {
			t.Errorf("delivery email: %s\n%s", e.Subject, e.Text)
		}
		var names []string
		for _, at := range e.Attachments {
			names = append(names, at.FileName)
		}
		sort.Strings(names)
		if strings.Join(names, "|") != "ACME management accounts Nov 2026.pdf|Notes.pdf" {
			t.Fatalf("attachments: %v", names)
		}
		for _, at := range e.Attachments {
			data, err := md.Attachment(f.ctx, e.ID, at)
			f.must(err)
			if want := map[string][]byte{"Notes.pdf": notes}[at.FileName]; want != nil && !bytes.Equal(data, want) {
				t.Errorf("%s arrived as %q", at.FileName, data)
			}
		}
	}
}

// A portal client's delivery email has the sign-in link and no
// attachment.
func TestDeliveryEmailByPortal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	md, deps := startMaildev(t, f)
	_, err := f.pool.Exec(f.ctx, `UPDATE entities SET delivery_method = 'portal' WHERE id = $1`, f.entity)
	f.must(err)
	f.toReview()
	f.approve()
	f.practiceFile("accounts.pdf", []byte("%PDF-1.4 accounts"), true)
	_, _, err = f.deliver(f.bea, "")
	f.must(err)
	dargs := jobArgs[queries.DeliveryArgs](f, queries.DeliveryJobKind)
	for _, a := range dargs {
		f.must(queries.WorkDelivery(f.ctx, deps, a))
	}
	got, err := md.WaitForEmails(f.ctx, 2)
	f.must(err)
	for _, e := range got {
		if len(e.Attachments) != 0 || !strings.Contains(e.Text, portalURL+"/portal/login?t=") || !strings.Contains(e.Text, "Download them from the client portal") ||
			!strings.Contains(e.Text, "accounts.pdf") {
			t.Errorf("portal delivery email: %d attachments\n%s", len(e.Attachments), e.Text)
		}
	}
}
