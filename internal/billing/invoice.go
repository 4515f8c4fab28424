package billing

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
)

// Status is where an invoice is in its life (BILLING.md, Lifecycle).
type Status string

// The statuses.
const (
	Draft            Status = "draft"
	AwaitingApproval Status = "awaiting_approval"
	Approved         Status = "approved"
	Sending          Status = "sending"
	Sent             Status = "sent"
	PartPaid         Status = "part_paid"
	Paid             Status = "paid"
	Void             Status = "void"
	Deleted          Status = "deleted"
)

// Statuses lists them in lifecycle order.
var Statuses = []Status{Draft, AwaitingApproval, Approved, Sending, Sent, PartPaid, Paid, Void, Deleted}

// Editable reports whether an invoice in this status may still be changed:
// drafts and those awaiting approval. Approved invoices never are.
func (s Status) Editable() bool { return s == Draft || s == AwaitingApproval }

// Live reports whether the invoice counts: anything but deleted or void.
func (s Status) Live() bool { return s != Deleted && s != Void }

// Label is the status in words.
func (s Status) Label() string {
	switch s {
	case AwaitingApproval:
		return "Awaiting approval"
	case PartPaid:
		return "Part paid"
	}
	if s == "" {
		return ""
	}
	return string(s[0]-'a'+'A') + string(s[1:])
}

// Kind is what an invoice bills.
type Kind string

// The kinds of invoice.
const (
	Recurring Kind = "recurring" // a fixed-fee client's monthly fee
	Hourly    Kind = "hourly"    // unbilled time up to a date
	Adhoc     Kind = "adhoc"     // lines a manager types
)

// Invoice is an invoice as the Slack face and the PDF show it.
type Invoice struct {
	ID         int64
	EntityID   int64
	EntityCode string
	EntityName string
	Kind       Kind
	Status     Status
	Number     string
	Currency   string
	Period     *atlas.Period
	UpTo       *time.Time
	Label      string
	MadeByRun  bool
	Grouping   Grouping
	Registered bool
	Rounding   Rounding
	Subtotal   decimal.Decimal
	VAT        decimal.Decimal
	Total      decimal.Decimal
	TimeValue  decimal.Decimal // of the time its lines cover
	PreparerID *atlas.MemberID
	Preparer   string
	Revision   int
	CreatedAt  time.Time
	RejectNote string
	RunPeriod  *atlas.Period // the billing month whose summary it belongs to
	ApprovedAt *time.Time
	ApprovedBy string // a name
	// ApproverSlackID and PreparerSlackID are Slack user ids, "" for none.
	ApproverSlackID string
	PreparerSlackID string
	VoidedAt        *time.Time
	VoidReason      string
	BillingEmail    string
	// Sending: the date it was issued (its tax point) and is due, when it
	// was sent, and why the last try to send it failed ("" for none).
	IssueDate, DueDate *time.Time
	SentAt             *time.Time
	SendError          string
	// Paid and Credited are what payments and credit notes have settled
	// of the total; the rest is the balance.
	Paid, Credited decimal.Decimal
	Lines          []Line // filled by Invoice, not by List
}

// Balance is what is left to pay: total − paid − credited.
func (inv Invoice) Balance() decimal.Decimal { return inv.Total.Sub(inv.Paid).Sub(inv.Credited) }

// Label is "ACME · Acme Trading Ltd".
func (inv Invoice) Client() string { return inv.EntityCode + " · " + inv.EntityName }

// Realisation is what the invoice bills of the value of its time, in
// percent, rounded down; ok is false when it has no time.
func (inv Invoice) Realisation() (pct int, ok bool) {
	var billed, value decimal.Decimal
	for _, l := range inv.Lines {
		if l.Kind == TimeLine {
			billed, value = billed.Add(l.Amount), value.Add(l.TimeValue)
		}
	}
	if value.IsZero() {
		return 0, false
	}
	return int(billed.Mul(hundred).Div(value).IntPart()), true
}

// Line is one line of an invoice.
type Line struct {
	ID           int64
	Position     int
	Kind         LineKind
	Description  string
	ServiceID    *int64
	Minutes      *int
	Rate         decimal.NullDecimal
	TimeValue    decimal.Decimal
	Amount       decimal.Decimal
	Treatment    Treatment
	VATRate      decimal.Decimal
	VAT          decimal.NullDecimal // when VAT is rounded per line
	Note         string
	AdjustReason string
	WorkDate     *time.Time
	Entries      []LineEntry
}

// Adjustment is the write-up (+) or write-down (−) of a line of time.
func (l Line) Adjustment() decimal.Decimal {
	if l.Kind != TimeLine {
		return decimal.Zero
	}
	return l.Amount.Sub(l.TimeValue)
}

// LineEntry is an entry behind a line.
type LineEntry struct {
	ID          int64
	Member      string
	WorkDate    time.Time
	Minutes     int
	Value       decimal.Decimal
	Service     string
	Description string
}
