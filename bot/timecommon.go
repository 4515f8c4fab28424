package bot

import (
	"context"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/practice"
	"github.com/atlas-practice/atlas/internal/timekeeping"
)

// timeStores are the stores the time-tracking handlers use.
func (r *Request) timeStore() timekeeping.Store { return timekeeping.Store{DB: r.router.DB} }

func (r *Request) practiceStore() practice.Store { return practice.Store{DB: r.router.DB} }

// now is the router's clock, so tests can move time.
func (r *Request) now() time.Time { return r.router.Clock.Now() }

// today is the practice's calendar date now.
func (r *Request) today() time.Time { return timekeeping.Today(r.Practice, r.now()) }

// actor is the caller as the time store checks them.
func (r *Request) actor() timekeeping.Actor {
	return timekeeping.Actor{ID: r.Member.ID, Role: r.Member.Role}
}

// key identifies this request for idempotent writes: a retried envelope
// carries the same trigger, a resubmitted modal the same view.
func (r *Request) key() string {
	switch {
	case r.idemKey != "":
		return r.idemKey
	case r.Kind == KindSubmit && r.Interaction != nil && r.Interaction.View.ID != "":
		return "view:" + r.Interaction.View.ID
	case r.TriggerID != "":
		return "trigger:" + r.TriggerID
	}
	return ""
}

// services is the practice's services, and a test of whether a word names
// one (its code, or a one-word name).
func servicesOf(ctx context.Context, r *Request) ([]practice.Service, func(string) bool, error) {
	list, err := r.practiceStore().Services(ctx, r.Practice.ID)
	if err != nil {
		return nil, nil, err
	}
	is := func(word string) bool {
		for _, s := range list {
			if strings.EqualFold(s.Code, word) || strings.EqualFold(s.Name, word) {
				return true
			}
		}
		return false
	}
	return list, is, nil
}

func serviceOptions(list []practice.Service) []views.Option {
	out := make([]views.Option, 0, len(list))
	for _, s := range list {
		out = append(out, views.Option{Value: itoa(s.ID), Label: s.Name})
	}
	return out
}

// resolveWork finds the client and the service (optional) a person named.
func resolveWork(ctx context.Context, r *Request, client, service string) (practice.Entity, *int64, error) {
	e, err := resolveClient(ctx, r, client)
	if err != nil {
		return e, nil, err
	}
	svc, err := resolveService(ctx, r, service)
	return e, svc, err
}

// resolveClient finds the client a person named. A name that matches
// several is answered with a button per match (see pickClient).
func resolveClient(ctx context.Context, r *Request, typed string) (practice.Entity, error) {
	return r.practiceStore().LookupEntity(ctx, r.Practice.ID, typed)
}

// resolveService finds a named service; "" means none.
func resolveService(ctx context.Context, r *Request, typed string) (*int64, error) {
	if typed == "" {
		return nil, nil
	}
	s, err := r.practiceStore().LookupService(ctx, r.Practice.ID, typed)
	if err != nil {
		return nil, err
	}
	return &s.ID, nil
}

// unescape undoes Slack's escaping of &, < and > in command text.
func unescape(s string) string { return html.UnescapeString(s) }

func (r *Request) money(v string) string {
	if v == "" {
		return ""
	}
	sym := map[string]string{"GBP": "£", "EUR": "€", "USD": "$"}[r.Practice.Currency]
	if sym == "" {
		return v + " " + r.Practice.Currency
	}
	return sym + v
}

func (r *Request) entryView(e timekeeping.Entry) views.EntryView {
	v := views.EntryView{
		ID: e.ID, Date: e.WorkDate, Client: e.ClientLabel(), Service: e.ServiceName, Task: e.TaskName,
		Minutes: e.Minutes, Rounded: practice.RoundMinutes(e.Minutes, r.Practice.RoundingIncrement, r.Practice.RoundingMode),
		Description: e.Description, Billable: e.Billable, Locked: e.Locked(), Person: e.MemberName,
	}
	if e.Value.Valid {
		v.Value = r.money(e.Value.Decimal.StringFixed(2))
	}
	return v
}

func (r *Request) timerView(t timekeeping.Timer) views.TimerView {
	return views.TimerView{ID: t.ID, Client: t.ClientLabel(), Service: t.ServiceName, Note: t.Note,
		Started: t.StartedAt.In(r.Practice.Location()), Elapsed: t.Elapsed(r.now())}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// atoi64 reads an id from a button value or a select.
func atoi64(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
