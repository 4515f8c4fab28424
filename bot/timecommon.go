package bot

import (
	"context"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-practice/atlas/bot/views"
	"github.com/atlas-practice/atlas/internal/atlas"
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

// practiceServices are the practice's services, read once per command.
type practiceServices []practice.Service

func servicesOf(ctx context.Context, r *Request) (practiceServices, error) {
	return r.practiceStore().Services(ctx, r.Practice.ID)
}

// find is the service a word names: its code, or its name.
func (list practiceServices) find(word string) (practice.Service, bool) {
	for _, s := range list {
		if strings.EqualFold(s.Code, word) || strings.EqualFold(s.Name, word) {
			return s, true
		}
	}
	return practice.Service{}, false
}

// names reports whether a word names a service, for the parsers.
func (list practiceServices) names(word string) bool { _, ok := list.find(word); return ok }

func serviceOptions(list []practice.Service) []views.Option {
	out := make([]views.Option, 0, len(list))
	for _, s := range list {
		out = append(out, views.Option{Value: itoa(s.ID), Label: s.Name})
	}
	return out
}

// resolveWork finds the client and the service (optional) a person named,
// the service among those already read for parsing.
func resolveWork(ctx context.Context, r *Request, list practiceServices, client, service string) (practice.Entity, *int64, error) {
	e, err := r.practiceStore().LookupEntity(ctx, r.Practice.ID, client)
	if err != nil || service == "" {
		return e, nil, err
	}
	s, ok := list.find(service)
	if !ok {
		return e, nil, atlas.Errorf(atlas.ENotFound, "No service called %q. `/atlas services` lists them.", service)
	}
	return e, &s.ID, nil
}

// unescape undoes Slack's escaping of &, < and > in command text.
func unescape(s string) string { return html.UnescapeString(s) }

func (r *Request) entryView(e timekeeping.Entry) views.EntryView {
	v := views.EntryView{
		ID: e.ID, Date: e.WorkDate, Client: e.ClientLabel(), Service: e.ServiceName, Task: e.TaskName,
		Minutes: e.Minutes, Rounded: practice.RoundMinutes(e.Minutes, r.Practice.RoundingIncrement, r.Practice.RoundingMode),
		Description: e.Description, Billable: e.Billable, Locked: e.Locked(), Person: e.MemberName,
	}
	if e.Value.Valid {
		v.Value = money(r.Practice.Currency, e.Value.Decimal.StringFixed(2))
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
