package digest

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Pack is one monthly pack (a task) as a digest lists it.
type Pack struct {
	TaskID        int64
	Client        string // "ACME · Acme Trading Ltd"
	Stage         int    // 1–6
	StageName     string // "Collect source documents"
	PreparerName  string
	PreparerSlack string
	Due           time.Time // its due date
	DaysOverdue   int       // days past Due on the digest's day; 0 when not overdue
}

// Stuck is the bottleneck: the stage holding the most packs past its
// target date.
type Stuck struct {
	Stage      int
	StageName  string
	PastTarget int // open packs in the stage past its target
	Waiting    int // open packs in the stage
	// MedianDays is the median number of whole days the stage's open packs
	// have waited in it.
	MedianDays int
}

// Completion is the month's packs done by the digest's working day,
// against the same working day of last month.
type Completion struct {
	Done, Total         int
	LastDone, LastTotal int // last month, by its same working day
}

// Invoice is one invoice as a digest lists it.
type Invoice struct {
	ID          int64
	Number      string // "" until approved
	Client      string
	Total       decimal.Decimal // the invoice's total; for an overdue one, its balance
	DaysOverdue int
}

// Client is a client whose work in progress is over a threshold.
type Client struct {
	ID         int64
	Client     string
	Value      decimal.Decimal
	OldestDays int // days since its oldest unbilled work
}

// Recovery is a fixed-fee client's fee against the value of the time its
// retainer covered last month.
type Recovery struct {
	Client      string
	Fee, Value  decimal.Decimal
	CoveragePct int64 // fee ÷ value, in whole percent
}

// Idle is a person who logged no time on the last working day.
type Idle struct {
	Name            string
	SlackUser       string
	CapacityMinutes int // their daily capacity: weekly ÷ working days
}

// Practice is everything the practice's digest says on a day.
type Practice struct {
	Name     string
	Currency string
	Day      time.Time // the practice's date
	LastDay  time.Time // the last working day before Day
	Late     bool      // posted after its time, after downtime

	Overdue      []Pack // the oldest first, at most ListLimit
	OverdueTotal int
	AtRisk       int    // open packs past a stage target, not yet overdue
	DueThisWeek  []Pack // due from Day to the week's last working day, the soonest first, at most ListLimit
	DueWeekTotal int
	Bottleneck   *Stuck // nil when no stage holds a pack past its target
	Completion   Completion

	AwaitingApproval      []Invoice // the oldest submitted first, at most ListLimit
	AwaitingApprovalTotal int
	AwaitingApprovalSum   decimal.Decimal
	OverdueInvoices       []Invoice // the most overdue first, at most ListLimit
	OverdueInvoicesTotal  int
	OverdueInvoicesOwed   decimal.Decimal

	WIPTotal       decimal.Decimal
	WIPOver        []Client   // over the practice's thresholds, the largest first, at most ListLimit
	WIPOverAll     int        // how many are over
	UnderRecovered []Recovery // last month's fixed-fee clients under 100%, the furthest first, at most ListLimit

	Idle []Idle // people with capacity who logged nothing on LastDay
}

// ListLimit is how many of a kind a digest's figures carry; the counts say
// how many there are in all.
const ListLimit = 400

// Person is what one person's morning DM says.
type Person struct {
	Member      atlas.MemberID
	SlackUser   string
	Name        string
	IsPartner   bool
	Currency    string
	Day         time.Time
	LastDay     time.Time
	Overdue     []Pack // packs they prepare or review, past due, the oldest first
	DueThisWeek []Pack
	ToReview    []Pack    // packs sent to them for review
	ToApprove   []Invoice // partners: invoices awaiting approval
	// LoggedMinutes is what they logged on LastDay, against their daily
	// capacity.
	LoggedMinutes, CapacityMinutes int
	// TimerSince is when a timer they left running started, if it started
	// before Day.
	TimerSince  *time.Time
	TimerClient string
}

// Empty says whether the person's DM would say nothing worth a message.
func (p Person) Empty() bool {
	return len(p.Overdue) == 0 && len(p.DueThisWeek) == 0 && len(p.ToReview) == 0 && len(p.ToApprove) == 0 &&
		p.TimerSince == nil && p.CapacityMinutes == 0
}
