package loadtest

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// Figures sum up one phase of one run.
type Figures struct {
	Phase                  string
	Requests               int
	AckP50, AckP95, AckP99 time.Duration
	AnswerP50, AnswerP99   time.Duration
	Missed                 int // acks later than Slack's deadline, or never
	Unacked                int // never acknowledged
	AckMax                 time.Duration
	Errors                 int // failures and requests never answered
	FailedExamples         []string
	ByAction               map[string]int
	PeakRSS                int64   // the largest replica's, bytes
	PoolWaits              float64 // across replicas, during the phase
	// Portal and Inbox are the clients' sign-in link requests and emails
	// (AddClients); none in a burst.
	Portal, Inbox ClientFigures
}

// ClientFigures sum up one kind of client request in a phase.
type ClientFigures struct {
	Requests int
	P50, P99 time.Duration // of the requests that succeeded
	Errors   int           // failures, and for the inbox Unkept too
	// Unkept is emails answered 250 but not kept exactly once (CheckInbox).
	Unkept int
}

// maxClientExamples caps the clients' failures quoted, apart from the
// people's.
const maxClientExamples = 5

// AddClients sums up the clients' samples of the phase into f.Portal and
// f.Inbox; a few failures join the examples.
func (f *Figures) AddClients(samples []ClientSample) {
	var portal, inbox []time.Duration
	quoted := 0
	for _, s := range samples {
		cf, took := &f.Portal, &portal
		if s.Kind == "inbox" {
			cf, took = &f.Inbox, &inbox
		}
		cf.Requests++
		if s.OK {
			*took = append(*took, s.Took)
			continue
		}
		cf.Errors++
		if quoted < maxClientExamples {
			f.FailedExamples = append(f.FailedExamples, s.Kind+": "+truncate(s.Text, 160))
			quoted++
		}
	}
	f.Portal.P50, f.Portal.P99 = pct(portal, 50), pct(portal, 99)
	f.Inbox.P50, f.Inbox.P99 = pct(inbox, 50), pct(inbox, 99)
}

// AddUnkept counts emails answered 250 but not kept exactly once
// (CheckInbox) as inbox errors.
func (f *Figures) AddUnkept(n int, examples []string) {
	f.Inbox.Unkept += n
	f.Inbox.Errors += n
	f.FailedExamples = append(f.FailedExamples, examples...)
}

// AllErrors is the phase's errors, the people's and the clients'.
func (f Figures) AllErrors() int { return f.Errors + f.Portal.Errors + f.Inbox.Errors }

// Summarise turns a phase's samples into its figures.
func Summarise(phase string, samples []Sample) Figures {
	f := Figures{Phase: phase, Requests: len(samples), ByAction: map[string]int{}}
	var acks, answers []time.Duration
	for _, s := range samples {
		f.ByAction[s.Action]++
		if !s.Acked || s.Ack > Deadline {
			f.Missed++
		}
		if !s.Acked {
			f.Unacked++
		}
		f.AckMax = max(f.AckMax, s.Ack)
		if s.Acked {
			acks = append(acks, s.Ack)
		}
		if s.Answered {
			answers = append(answers, s.Answer)
		}
		if !s.Answered || s.Failed {
			f.Errors++
			if len(f.FailedExamples) < 5 {
				text := s.Text
				if !s.Answered {
					text = "no answer within " + AnswerTimeout.String()
				}
				f.FailedExamples = append(f.FailedExamples, s.Action+": "+truncate(text, 160))
			}
		}
	}
	f.AckP50, f.AckP95, f.AckP99 = pct(acks, 50), pct(acks, 95), pct(acks, 99)
	f.AnswerP50, f.AnswerP99 = pct(answers, 50), pct(answers, 99)
	return f
}

// pct is the p-th percentile by the nearest-rank method.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100
	return s[max(rank-1, 0)]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// Print writes one run's figures as a table.
func Print(w io.Writer, run int, fs []Figures) {
	fmt.Fprintf(w, "\nrun %d\n", run)
	fmt.Fprintf(w, "  %-8s %8s %9s %9s %9s %11s %11s %7s %7s %9s %11s\n",
		"phase", "requests", "ack p50", "ack p95", "ack p99", "answer p50", "answer p99", "missed", "errors", "peak RSS", "pool waits")
	for _, f := range fs {
		fmt.Fprintf(w, "  %-8s %8d %9s %9s %9s %11s %11s %7d %7d %8.0fM %11.0f\n",
			f.Phase, f.Requests, ms(f.AckP50), ms(f.AckP95), ms(f.AckP99), ms(f.AnswerP50), ms(f.AnswerP99),
			f.Missed, f.Errors, float64(f.PeakRSS)/(1<<20), f.PoolWaits)
	}
	printClients(w, fs)
	for _, f := range fs {
		if f.Missed > 0 {
			fmt.Fprintf(w, "  %s: %d never acknowledged; the slowest ack took %s ms\n", f.Phase, f.Unacked, ms(f.AckMax))
		}
	}
	for _, f := range fs {
		if len(f.FailedExamples) > 0 {
			fmt.Fprintf(w, "  %s errors, for example:\n    %s\n", f.Phase, strings.Join(f.FailedExamples, "\n    "))
		}
	}
	var mix []string
	for _, f := range fs {
		keys := make([]string, 0, len(f.ByAction))
		for k := range f.ByAction {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, f.ByAction[k]))
		}
		mix = append(mix, f.Phase+": "+strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "  mix  %s\n", strings.Join(mix, "\n       "))
}

// printClients writes the clients' figures under the people's, for the
// phases that had clients.
func printClients(w io.Writer, fs []Figures) {
	header := false
	for _, f := range fs {
		if f.Portal.Requests+f.Inbox.Requests == 0 {
			continue
		}
		if !header {
			fmt.Fprintf(w, "  %-8s %8s %10s %10s %7s %8s %10s %10s %7s %9s\n",
				"clients", "portal", "portal p50", "portal p99", "errors", "emails", "inbox p50", "inbox p99", "errors", "not kept")
			header = true
		}
		fmt.Fprintf(w, "  %-8s %8d %10s %10s %7d %8d %10s %10s %7d %9d\n", f.Phase,
			f.Portal.Requests, ms(f.Portal.P50), ms(f.Portal.P99), f.Portal.Errors,
			f.Inbox.Requests, ms(f.Inbox.P50), ms(f.Inbox.P99), f.Inbox.Errors, f.Inbox.Unkept)
	}
}

// Goal is one target the figures must meet.
type Goal struct {
	What  string
	Met   bool
	Worst string
}

// Client request goals: a portal page or an email taken within half a
// second at p99, while the people's load runs. A person waiting on a page
// notices more; a sender does not wait on the inbox, but a slow 250 is
// the inbox's transaction holding a connection of the pool the people's
// commands need.
const (
	PortalP99Goal = 500 * time.Millisecond
	InboxP99Goal  = 500 * time.Millisecond
)

// Goals checks the runs' figures against the targets: ack p99 ≤ 50 ms
// paced and burst, ≤ 100 ms unpaced; no missed deadline; no error, the
// clients' included; peak RSS ≤ 200 MB; and, where clients played,
// portal and inbox p99 within PortalP99Goal and InboxP99Goal.
func Goals(runs [][]Figures) []Goal {
	limit := map[string]time.Duration{"paced": 50 * time.Millisecond, "burst": 50 * time.Millisecond, "unpaced": 100 * time.Millisecond}
	var goals []Goal
	for _, phase := range []string{"paced", "burst", "unpaced"} {
		var worst time.Duration
		missed, errs := 0, 0
		for _, fs := range runs {
			for _, f := range fs {
				if f.Phase == phase {
					worst = max(worst, f.AckP99)
					missed += f.Missed
					errs += f.AllErrors()
				}
			}
		}
		goals = append(goals,
			Goal{fmt.Sprintf("%s ack p99 ≤ %s", phase, ms(limit[phase])+" ms"), worst <= limit[phase], ms(worst) + " ms"},
			Goal{phase + " missed deadlines = 0", missed == 0, fmt.Sprint(missed)},
			Goal{phase + " errors = 0", errs == 0, fmt.Sprint(errs)})
	}
	var rss int64
	var portal, inbox time.Duration
	clients := false
	for _, fs := range runs {
		for _, f := range fs {
			rss = max(rss, f.PeakRSS)
			portal, inbox = max(portal, f.Portal.P99), max(inbox, f.Inbox.P99)
			clients = clients || f.Portal.Requests+f.Inbox.Requests > 0
		}
	}
	goals = append(goals, Goal{"peak RSS ≤ 200 MB", rss <= 200<<20, fmt.Sprintf("%.0f MB", float64(rss)/(1<<20))})
	if clients {
		goals = append(goals,
			Goal{"portal p99 ≤ " + ms(PortalP99Goal) + " ms", portal <= PortalP99Goal, ms(portal) + " ms"},
			Goal{"inbox p99 ≤ " + ms(InboxP99Goal) + " ms", inbox <= InboxP99Goal, ms(inbox) + " ms"})
	}
	return goals
}

// PrintSpread writes each phase's ack p99 over the runs as min / median /
// max, then the goals.
func PrintSpread(w io.Writer, runs [][]Figures) bool {
	fmt.Fprintf(w, "\nover %d runs (min / median / max)\n", len(runs))
	for _, phase := range []string{"paced", "burst", "unpaced"} {
		var p50, p99, ans99 []time.Duration
		for _, fs := range runs {
			for _, f := range fs {
				if f.Phase == phase {
					p50, p99, ans99 = append(p50, f.AckP50), append(p99, f.AckP99), append(ans99, f.AnswerP99)
				}
			}
		}
		fmt.Fprintf(w, "  %-8s ack p50 %s   ack p99 %s   answer p99 %s\n", phase, spread(p50), spread(p99), spread(ans99))
	}
	for _, phase := range []string{"paced", "unpaced"} {
		var portal, inbox []time.Duration
		for _, fs := range runs {
			for _, f := range fs {
				if f.Phase == phase && f.Portal.Requests+f.Inbox.Requests > 0 {
					portal, inbox = append(portal, f.Portal.P99), append(inbox, f.Inbox.P99)
				}
			}
		}
		if len(portal) > 0 {
			fmt.Fprintf(w, "  %-8s portal p99 %s   inbox p99 %s\n", phase, spread(portal), spread(inbox))
		}
	}
	ok := true
	fmt.Fprintln(w, "\ngoals")
	for _, g := range Goals(runs) {
		mark := "met    "
		if !g.Met {
			mark, ok = "MISSED ", false
		}
		fmt.Fprintf(w, "  %s %-32s worst: %s\n", mark, g.What, g.Worst)
	}
	return ok
}

func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%s / %s / %s ms", ms(s[0]), ms(s[len(s)/2]), ms(s[len(s)-1]))
}
