package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontfamily"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"github.com/phpdave11/gofpdf"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/money"
)

var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
)

// family names the embedded face in the PDF: readers show it as the font.
const family = "DejaVuSans"

func init() {
	// gofpdf writes its font and image dictionaries by ranging over maps;
	// sorted, a document with a fixed creation date repeats byte for byte.
	// The flag is a package default read when each document starts, set
	// here before any can.
	gofpdf.SetDefaultCatalogSort(true)
}

// faces are the embedded fonts for one document. gofpdf pads the font's
// tables in place as it cuts the subset a document uses, so each document
// gets its own copy: documents drawn at once would otherwise write to the
// same memory.
func faces() ([]*entity.CustomFont, error) {
	return repository.New().
		AddUTF8FontFromBytes(family, fontstyle.Normal, bytes.Clone(regularTTF)).
		AddUTF8FontFromBytes(family, fontstyle.Bold, bytes.Clone(boldTTF)).
		Load()
}

// Options are how a document is produced rather than what it says.
type Options struct {
	// CreationDate is stamped in the file; zero means now. A fixed date
	// makes the same document come out as the same bytes.
	CreationDate time.Time

	// builtinFont draws with the PDF's built-in Helvetica instead of the
	// embedded font, for the benchmark's comparison only: Helvetica has no
	// glyphs beyond Windows-1252 and maroto re-encodes every cell for it.
	builtinFont bool
}

// Page geometry, in millimetres on a 48-column grid: fine enough that
// each column of the line table is as wide as its widest usual content.
const (
	grid        = 48
	marginSide  = 18.0
	marginTop   = 15.0
	marginFoot  = 16.0
	sizeBody    = 9.0
	sizeTable   = 8.5
	sizeSmall   = 8.0
	sizeFine    = 7.0
	cellPadding = 1.2
)

var (
	ink    = props.Color{Red: 25, Green: 25, Blue: 25}
	muted  = props.Color{Red: 105, Green: 105, Blue: 105}
	rule   = props.Color{Red: 190, Green: 190, Blue: 190}
	shade  = props.Color{Red: 238, Green: 238, Blue: 238}
	alarm  = props.Color{Red: 185, Green: 25, Blue: 25}
	ruled  = &props.Cell{BorderType: border.Bottom, BorderColor: &rule, BorderThickness: 0.2}
	topped = &props.Cell{BorderType: border.Top, BorderColor: &ink, BorderThickness: 0.3}
	shaded = &props.Cell{BackgroundColor: &shade}
)

// Render draws an invoice or credit note. It refuses one that lacks what
// the document must say or whose figures do not add up.
func Render(doc Document, opt Options) ([]byte, error) {
	if err := doc.check(); err != nil {
		return nil, err
	}
	d := &doc
	w, err := newWriter(opt, d.title()+" "+d.Number, d.Practice.Name, d.Client.Name, d.draftMark(), d.footer())
	if err != nil {
		return nil, err
	}
	w.top(d.Practice, d.VATRegistered, d.title(), d.draftMark(), d.meta())
	w.gap(7)
	w.party(d.clientHeading(), d.Client)
	if d.Reference != "" {
		w.gap(4)
		w.m.AddAutoRow(txtCol(grid, d.Reference, w.font(sizeBody, true, align.Left)))
	}
	w.gap(6)
	if err := w.table(d.tableHeader(w), d.tableRows(w)); err != nil {
		return nil, err
	}
	w.gap(3)
	totals := d.totals(w)
	w.keepTogether(totals)
	w.m.AddRows(totals...)
	if d.Kind == Invoice {
		w.section("Payment", d.paymentLines())
		w.section("Bank details", d.BankDetails)
	}
	w.section("Notes", strings.Split(strings.TrimSpace(d.Notes), "\n"))
	return w.finish()
}

// RenderStatement draws a client's statement of account. It refuses one
// whose running balance does not run.
func RenderStatement(s Statement, opt Options) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	const title = "Statement of account"
	foot := fmt.Sprintf("%s · %s for %s · %s", s.Practice.Name, title, s.Client.Name, day(s.Date))
	w, err := newWriter(opt, title+" "+day(s.Date), s.Practice.Name, s.Client.Name, "", foot)
	if err != nil {
		return nil, err
	}
	w.top(s.Practice, false, title, "", [][2]string{{"Date", day(s.Date)}, {"Currency", s.Currency}})
	w.gap(7)
	w.party("Account of", s.Client)
	w.gap(6)

	sizes := []int{6, 6, 8, 6, 7, 8, 7}
	right := []bool{false, false, false, false, true, true, true}
	head := w.headerRow(sizes, right, "Date", "Type", "Reference", "Due", "Invoiced", "Paid or credited", "Balance")
	var rows []core.Row
	for _, r := range s.Rows {
		due, charged, credited := "", "", ""
		if r.Due != nil {
			due = day(*r.Due)
		}
		if r.Amount.IsNegative() {
			credited = money.Format(r.Amount.Neg(), s.Currency)
		} else {
			charged = money.Format(r.Amount, s.Currency)
		}
		rows = append(rows, w.bodyRow(sizes, right, day(r.Date), r.Kind, r.Reference, due, charged, credited, money.Format(r.Balance, s.Currency)))
	}
	if len(rows) == 0 {
		rows = append(rows, w.bodyRow([]int{grid}, []bool{false}, "Nothing open on this account."))
	}
	if err := w.table(head, rows); err != nil {
		return nil, err
	}
	w.gap(3)
	summary := []core.Row{
		w.total("Amount owed", money.Format(s.Owed, s.Currency), true, topped),
		w.total("of which overdue", money.Format(s.Overdue, s.Currency), !s.Overdue.IsZero(), nil),
	}
	w.keepTogether(summary)
	w.m.AddRows(summary...)
	w.section("Bank details", s.BankDetails)
	return w.finish()
}

// title is the document's heading. "VAT invoice" is a claim a practice may
// make only when registered: the client reclaims the VAT on the strength
// of it.
func (d *Document) title() string {
	t := "invoice"
	if d.Kind == CreditNote {
		t = "credit note"
	}
	if d.VATRegistered {
		return "VAT " + t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

func (d *Document) draftMark() string {
	if !d.Draft {
		return ""
	}
	if d.Kind == CreditNote {
		return "DRAFT — not a credit note"
	}
	return "DRAFT — not an invoice"
}

func (d *Document) footer() string {
	id := d.title() + " " + d.Number
	if d.Number == "" {
		id = d.title()
	}
	return fmt.Sprintf("%s · %s · %s", d.Practice.Name, id, day(d.IssueDate))
}

func (d *Document) meta() [][2]string {
	number := d.Number
	if number == "" {
		number = "given on issue"
	}
	label := "Invoice number"
	if d.Kind == CreditNote {
		label = "Credit note number"
	}
	date := "Date"
	if d.VATRegistered {
		// The issue date is the tax point: the supply is dated by the
		// invoice, issued within 14 days of the work.
		date = "Date and tax point"
	}
	m := [][2]string{{label, number}, {date, day(d.IssueDate)}}
	if d.DueDate != nil {
		m = append(m, [2]string{"Due date", day(*d.DueDate)})
	}
	if d.Period != "" {
		m = append(m, [2]string{"Period", d.Period})
	}
	return m
}

func (d *Document) clientHeading() string {
	if d.Kind == CreditNote {
		return "Credit to"
	}
	return "Bill to"
}

// columns are the line table's column sizes and which are right-aligned.
func (d *Document) columns() ([]int, []bool) {
	if d.VATRegistered {
		return []int{21, 5, 6, 9, 7}, []bool{false, true, true, false, true}
	}
	return []int{30, 5, 6, 7}, []bool{false, true, true, true}
}

func (d *Document) tableHeader(w *writer) core.Row {
	sizes, right := d.columns()
	if d.VATRegistered {
		return w.headerRow(sizes, right, "Description", "Quantity", "Rate", "VAT", "Net")
	}
	return w.headerRow(sizes, right, "Description", "Quantity", "Rate", "Amount")
}

func (d *Document) tableRows(w *writer) []core.Row {
	sizes, right := d.columns()
	var rows []core.Row
	for _, l := range d.Lines {
		rate := ""
		if l.Rate.Valid {
			rate = money.Format(l.Rate.Decimal, d.Currency)
		}
		cells := []string{l.Description, l.Quantity, rate}
		if d.VATRegistered {
			cells = append(cells, vatCell(l))
		}
		cells = append(cells, money.Format(l.Net, d.Currency))
		note := d.adjustment(l)
		r := w.bodyRow(sizes, right, cells...)
		if note != "" {
			r.WithStyle(nil)
		}
		rows = append(rows, r)
		if note != "" {
			rows = append(rows, row.New().WithStyle(ruled).Add(
				txtCol(grid, note, w.note(sizeSmall, false, align.Left)),
			))
		}
	}
	if len(rows) == 0 {
		rows = append(rows, w.bodyRow([]int{grid}, []bool{false}, "No charges."))
	}
	return rows
}

// adjustment explains a line billed at other than the value of its time.
func (d *Document) adjustment(l Line) string {
	if !l.TimeValue.Valid || l.TimeValue.Decimal.Equal(l.Net) {
		return ""
	}
	diff := l.Net.Sub(l.TimeValue.Decimal)
	how := "written up by"
	if diff.IsNegative() {
		how, diff = "written down by", diff.Neg()
	}
	return fmt.Sprintf("Time at standard rates %s, %s %s, billed %s",
		money.Format(l.TimeValue.Decimal, d.Currency), how, money.Format(diff, d.Currency), money.Format(l.Net, d.Currency))
}

func vatCell(l Line) string {
	if l.VAT.rated() {
		return string(l.VAT) + " " + percent(l.VATRate)
	}
	return string(l.VAT)
}

func (d *Document) totals(w *writer) []core.Row {
	cur := d.Currency
	var rows []core.Row
	if d.VATRegistered {
		rows = append(rows, w.total("Subtotal excluding VAT", money.Format(d.Subtotal, cur), false, nil))
		for _, b := range d.VATBands {
			rows = append(rows, w.total(bandLabel(b, cur), money.Format(b.VAT, cur), false, nil))
		}
		if len(d.VATBands) != 1 {
			rows = append(rows, w.total("Total VAT", money.Format(d.VAT, cur), false, nil))
		}
		if d.VATInSterling.Valid && cur != "GBP" {
			rows = append(rows, w.total("VAT in sterling", money.Format(d.VATInSterling.Decimal, "GBP"), false, nil))
		}
	}
	if d.Kind == CreditNote {
		return append(rows, w.total("Total credit", money.Format(d.Total, cur), true, topped))
	}
	return append(rows,
		w.total("Total", money.Format(d.Total, cur), true, topped),
		w.total("Amount paid", money.Format(d.Paid, cur), false, nil),
		w.total("Balance due", money.Format(d.Balance, cur), true, shaded),
	)
}

// bandLabel reads as the line of the VAT summary HMRC asks for: the rate,
// and what it was charged on; supplies without VAT say why there is none.
func bandLabel(b VATBand, cur string) string {
	net := money.Format(b.Net, cur)
	switch b.Treatment {
	case Exempt:
		return "No VAT on " + net + " (exempt)"
	case OutsideScope:
		return "No VAT on " + net + " (outside the scope)"
	case ZeroRated:
		return "VAT at " + percent(b.Rate) + " on " + net + " (zero-rated)"
	}
	return "VAT at " + percent(b.Rate) + " on " + net
}

func (d *Document) paymentLines() []string {
	var ls []string
	if d.PaymentTerms != "" {
		ls = append(ls, d.PaymentTerms)
	}
	if d.Number != "" && d.Balance.IsPositive() {
		ls = append(ls, "Please quote "+d.Number+" with your payment.")
	}
	return ls
}

func day(t time.Time) string { return t.Format("2 Jan 2006") }

func percent(r decimal.Decimal) string { return r.String() + "%" }

// writer lays a document out on maroto's grid.
type writer struct {
	m       core.Maroto
	family  string
	created time.Time
}

// newWriter starts a document whose every page ends with footer, and with
// draft, when there is one, in red beside it.
func newWriter(opt Options, title, author, subject, draft, footer string) (*writer, error) {
	created := opt.CreationDate
	if created.IsZero() {
		created = time.Now()
	}
	b := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithMaxGridSize(grid).
		WithLeftMargin(marginSide).WithRightMargin(marginSide).
		WithTopMargin(marginTop).WithBottomMargin(marginFoot).
		WithCompression(true).
		WithTitle(strings.TrimSpace(title), true).
		WithAuthor(author, true).
		WithSubject(subject, true).
		WithCreator("Atlas", true).
		WithCreationDate(created).
		WithPageNumber(props.PageNumber{Pattern: "Page {current} of {total}", Place: props.RightBottom, Size: sizeFine, Color: &muted})
	w := &writer{family: family, created: created}
	if opt.builtinFont {
		w.family = fontfamily.Helvetica
	} else {
		fonts, err := faces()
		if err != nil {
			return nil, fmt.Errorf("pdf: fonts: %w", err)
		}
		b = b.WithCustomFonts(fonts)
	}
	b = b.WithDefaultFont(&props.Font{Family: w.family, Size: sizeBody, Style: fontstyle.Normal, Color: &ink})
	w.m = maroto.New(b.Build())
	foot := row.New(6).WithStyle(&props.Cell{BorderType: border.Top, BorderColor: &rule, BorderThickness: 0.2})
	if draft != "" {
		mark := w.note(sizeBody, true, align.Left, 1.5)
		mark.Color = &alarm
		foot.Add(txtCol(16, draft, mark), txtCol(grid-16, footer, w.note(sizeFine, false, align.Right, 1.8)))
	} else {
		foot.Add(txtCol(grid, footer, w.note(sizeFine, false, align.Left, 1.8)))
	}
	if err := w.m.RegisterFooter(foot); err != nil {
		return nil, fmt.Errorf("pdf: footer: %w", err)
	}
	return w, nil
}

func (w *writer) font(size float64, bold bool, a align.Type) props.Text {
	p := props.Text{Family: w.family, Size: size, Align: a, Color: &ink}
	if bold {
		p.Style = fontstyle.Bold
	}
	return p
}

// note is a muted font, optionally pushed down from the top of its cell.
func (w *writer) note(size float64, bold bool, a align.Type, top ...float64) props.Text {
	p := w.font(size, bold, a)
	p.Color = &muted
	if len(top) > 0 {
		p.Top = top[0]
	}
	p.Left, p.Right, p.Bottom = cellPadding, cellPadding, 1
	return p
}

// stack is a column of lines one under the other. maroto draws the
// components of a column over each other, so each is pushed down by the
// ones above it; the column is as tall as the last.
func stack(size int, items ...styled) core.Col {
	c := col.New(size)
	y := 0.0
	for _, it := range items {
		if it.s == "" {
			continue
		}
		p := it.p
		p.Top = y
		c.Add(txt(it.s, p))
		y += p.Size * 0.45
	}
	return c
}

type styled struct {
	s string
	p props.Text
}

func (w *writer) lines(ss []string, p props.Text) []styled {
	out := make([]styled, 0, len(ss))
	for _, s := range ss {
		out = append(out, styled{s, p})
	}
	return out
}

// top is the first page's head: who the document is from on the left, what
// it is on the right.
func (w *writer) top(practice Party, vatRegistered bool, title, draft string, meta [][2]string) {
	right := []styled{{title, w.font(17, true, align.Right)}}
	if draft != "" {
		p := w.font(11, true, align.Right)
		p.Color = &alarm
		right = append(right, styled{draft, p})
	}
	w.m.AddAutoRow(stack(26, styled{practice.Name, w.font(14, true, align.Left)}), stack(22, right...))
	w.gap(2)

	left := w.lines(practice.Address, w.font(sizeSmall, false, align.Left))
	left = append(left, styled{practice.Email, w.font(sizeSmall, false, align.Left)})
	if vatRegistered {
		left = append(left, styled{"VAT registration number " + practice.VATNumber, w.font(sizeSmall, false, align.Left)})
	}
	var labels, values []styled
	for _, kv := range meta {
		label := w.font(sizeSmall, false, align.Right)
		label.Color, label.Right = &muted, 2
		labels = append(labels, styled{kv[0], label})
		values = append(values, styled{kv[1], w.font(sizeSmall, true, align.Right)})
	}
	w.m.AddAutoRow(stack(28, left...), stack(10, labels...), stack(10, values...))
}

func (w *writer) party(heading string, p Party) {
	h := w.font(sizeSmall, true, align.Left)
	h.Color = &muted
	items := []styled{{heading, h}, {p.Name, w.font(10, true, align.Left)}}
	items = append(items, w.lines(p.Address, w.font(sizeBody, false, align.Left))...)
	if p.VATNumber != "" {
		items = append(items, styled{"VAT number " + p.VATNumber, w.font(sizeSmall, false, align.Left)})
	}
	w.m.AddAutoRow(stack(28, items...))
}

func (w *writer) gap(h float64) { w.m.AddRow(h) }

func (w *writer) cells(sizes []int, right []bool, p props.Text, values ...string) []core.Col {
	cols := make([]core.Col, len(sizes))
	for i, size := range sizes {
		q := p
		if right[i] {
			q.Align = align.Right
		}
		v := ""
		if i < len(values) {
			v = values[i]
		}
		cols[i] = txtCol(size, v, q)
	}
	return cols
}

func (w *writer) headerRow(sizes []int, right []bool, titles ...string) core.Row {
	p := w.font(sizeSmall, true, align.Left)
	p.Top, p.Left, p.Right = 2, cellPadding, cellPadding
	return row.New(7).WithStyle(shaded).Add(w.cells(sizes, right, p, titles...)...)
}

func (w *writer) bodyRow(sizes []int, right []bool, values ...string) core.Row {
	p := w.font(sizeTable, false, align.Left)
	p.Top, p.Bottom, p.Left, p.Right, p.VerticalPadding = 1.8, 1.6, cellPadding, cellPadding, 0.8
	return row.New().WithStyle(ruled).Add(w.cells(sizes, right, p, values...)...)
}

// totalHeight is each totals row's height, fixed so that the block's
// height is known before it is placed.
const totalHeight = 6.0

func (w *writer) total(label, amount string, bold bool, style *props.Cell) core.Row {
	p := w.font(sizeBody, bold, align.Right)
	p.Top, p.Right = 1.6, cellPadding
	return row.New(totalHeight).Add(
		col.New(20),
		txtCol(21, label, p).WithStyle(style),
		txtCol(7, amount, p).WithStyle(style),
	)
}

// section is a heading over lines of text; nothing when there are none.
func (w *writer) section(heading string, ls []string) {
	var body []string
	for _, l := range ls {
		if l = strings.TrimSpace(l); l != "" {
			body = append(body, l)
		}
	}
	if len(body) == 0 {
		return
	}
	w.gap(5)
	w.m.AddAutoRow(txtCol(grid, heading, w.font(sizeSmall, true, align.Left)))
	for _, l := range body {
		p := w.font(sizeSmall, false, align.Left)
		p.Top = 0.8
		w.m.AddAutoRow(txtCol(grid, l, p))
	}
}

// table places rows under a header that repeats at the top of every page
// they run onto. maroto repeats whatever header is registered, so the
// table registers its own for its length and clears it after.
func (w *writer) table(header core.Row, rows []core.Row) error {
	// A header alone at the foot of a page is no use: start on a new page
	// when there is no room for it and a line or two.
	if !w.m.FitlnCurrentPage(7 + 2*10) {
		w.m.AddPages(page.New())
	}
	if err := w.m.RegisterHeader(header); err != nil {
		return fmt.Errorf("pdf: table header: %w", err)
	}
	w.m.AddRows(rows...)
	return w.m.RegisterHeader()
}

// keepTogether starts a new page unless the fixed-height rows fit on this
// one, so totals are never split from each other.
func (w *writer) keepTogether(rows []core.Row) {
	if !w.m.FitlnCurrentPage(float64(len(rows)) * totalHeight) {
		w.m.AddPages(page.New())
	}
}

var modDate = []byte("/ModDate (D:")

func (w *writer) finish() ([]byte, error) {
	doc, err := w.m.Generate()
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	b := doc.GetBytes()
	// gofpdf stamps the modification date from the clock, and maroto has
	// no way to set it. A document is never modified after it is made, so
	// it takes the creation date: same length, so no offset moves.
	if i := bytes.Index(b, modDate); i >= 0 {
		stamp := w.created.Format("20060102150405")
		if end := i + len(modDate) + len(stamp); end <= len(b) {
			copy(b[i+len(modDate):end], stamp)
		}
	}
	return b, nil
}
