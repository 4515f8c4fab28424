package portal

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/atlas-practice/atlas/internal/atlas"
	"github.com/atlas-practice/atlas/internal/creditnotes"
	"github.com/atlas-practice/atlas/internal/db"
	"github.com/atlas-practice/atlas/internal/delivery"
	"github.com/atlas-practice/atlas/internal/money"
)

// homePage is a client's page for one period.
type homePage struct {
	Practice    string
	Client      string
	Contact     string
	CSRF        string
	Periods     []periodLink
	Period      string // "November 2026"; "" when there is no pack yet
	Items       []itemRow
	Documents   []docRow
	Invoices    []invoiceRow
	CreditNotes []noteRow
	Sent        int // files just received
	Answered    bool
	// Queries are the practice's questions about the period's pack,
	// OpenQueries those still waiting; Pack the management accounts
	// delivered for it.
	Queries      []queryRow
	OpenQueries  int
	Pack         []packRow
	Accept       string
	Allowed      string
	MaxFile      string
	MaxFileBytes int64
}

type periodLink struct {
	Value, Label string
	Current      bool
}

type itemRow struct {
	ID         int64
	Request    string
	Received   bool
	ReceivedOn string
	ReceivedBy string
	Files      int
}

type docRow struct {
	ID       int64
	Name     string
	Size     int64
	Item     string
	Uploaded string
	By       string
}

type invoiceRow struct {
	ID                     int64
	Number, Status, Issued string
	Due                    string
	Total, Balance         string
	Owing                  bool
}

type noteRow struct {
	ID                        int64
	Number, Invoice, IssuedOn string
	Total                     string
}

// home is the client's page for the period in the address, or the latest
// period with a pack.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	var want *atlas.Period
	if v := chi.URLParam(r, "period"); v != "" {
		p, err := atlas.ParsePeriod(v)
		if err != nil {
			h.notFound(w, r)
			return
		}
		want = &p
	}
	pg, found, err := loadHome(ctx, h.deps.DB, s, want)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !found {
		h.notFound(w, r)
		return
	}
	pg.Sent, _ = strconv.Atoi(r.URL.Query().Get("sent"))
	pg.Answered = r.URL.Query().Get("answered") != ""
	pg.Accept, pg.Allowed, pg.MaxFile, pg.MaxFileBytes = acceptAttr(), AllowedKinds(), humanBytes(h.deps.MaxFileBytes), h.deps.MaxFileBytes
	h.page(w, r, http.StatusOK, "home", pg)
}

// loadHome reads the page of want (nil: the latest period with a pack).
// found is false for a period with no pack.
func loadHome(ctx context.Context, q db.DB, s session, want *atlas.Period) (homePage, bool, error) {
	pg := homePage{Practice: s.PracticeName, Client: s.ClientName, Contact: s.Name, CSRF: s.CSRF}
	pid, client := s.Practice, s.EntityID
	rows, err := q.Query(ctx, `SELECT DISTINCT period FROM tasks WHERE practice_id = $1 AND entity_id = $2 ORDER BY period DESC`, pid, client)
	if err != nil {
		return pg, false, fmt.Errorf("portal: read periods: %w", err)
	}
	periods, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return pg, false, fmt.Errorf("portal: read periods: %w", err)
	}
	var chosen *atlas.Period
	for i, d := range periods {
		p := atlas.PeriodOf(d)
		cur := (want == nil && i == 0) || (want != nil && *want == p)
		if cur {
			chosen = &p
		}
		pg.Periods = append(pg.Periods, periodLink{Value: p.String(), Label: p.Label(), Current: cur})
	}
	if want != nil && chosen == nil {
		return pg, false, nil
	}
	if chosen != nil {
		pg.Period = chosen.Label()
		if err := loadPeriod(ctx, q, s, *chosen, &pg); err != nil {
			return pg, false, err
		}
		if err := loadQueries(ctx, q, s, *chosen, &pg); err != nil {
			return pg, false, err
		}
	}
	if err := loadBilling(ctx, q, s, &pg); err != nil {
		return pg, false, err
	}
	return pg, true, nil
}

func loadPeriod(ctx context.Context, q db.DB, s session, p atlas.Period, pg *homePage) error {
	pid, client, start := s.Practice, s.EntityID, p.FirstDay()
	rows, err := q.Query(ctx, `SELECT ti.id, ti.client_request, ti.received_at, coalesce(c.name, ''), ti.done_at IS NOT NULL,
			(SELECT count(*) FROM documents d WHERE d.practice_id = ti.practice_id AND d.task_item_id = ti.id)
		FROM tasks t
		JOIN task_items ti ON ti.practice_id = t.practice_id AND ti.task_id = t.id
		LEFT JOIN client_contacts c ON c.practice_id = ti.practice_id AND c.id = ti.received_by
		WHERE t.practice_id = $1 AND t.entity_id = $2 AND t.period = $3 AND ti.client_request IS NOT NULL
		ORDER BY ti.stage, ti.position, ti.id`, pid, client, start)
	if err != nil {
		return fmt.Errorf("portal: read requests: %w", err)
	}
	var it itemRow
	var receivedAt *time.Time
	var done bool
	if _, err := pgx.ForEachRow(rows, []any{&it.ID, &it.Request, &receivedAt, &it.ReceivedBy, &done, &it.Files}, func() error {
		row := it
		row.Received = receivedAt != nil || done
		if receivedAt != nil {
			row.ReceivedOn = receivedAt.In(s.loc).Format("2 January 2006")
		}
		pg.Items = append(pg.Items, row)
		return nil
	}); err != nil {
		return fmt.Errorf("portal: read requests: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT d.id, d.file_name, d.size, coalesce(ti.client_request, ''), d.uploaded_at,
			coalesce(c.name, m.name, '')
		FROM documents d
		LEFT JOIN task_items ti ON ti.practice_id = d.practice_id AND ti.id = d.task_item_id
		LEFT JOIN client_contacts c ON c.practice_id = d.practice_id AND c.id = d.contact_id
		LEFT JOIN members m ON m.practice_id = d.practice_id AND m.id = d.member_id
		WHERE d.practice_id = $1 AND d.entity_id = $2 AND d.period = $3 AND d.source <> 'practice'
		ORDER BY d.uploaded_at DESC, d.id DESC`, pid, client, start)
	if err != nil {
		return fmt.Errorf("portal: read documents: %w", err)
	}
	var d docRow
	var at time.Time
	_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.Name, &d.Size, &d.Item, &at, &d.By}, func() error {
		d.Uploaded = at.In(s.loc).Format("2 Jan 2006 15:04")
		pg.Documents = append(pg.Documents, d)
		return nil
	})
	if err != nil {
		return fmt.Errorf("portal: read documents: %w", err)
	}
	return nil
}

// clientInvoices are the statuses of the invoices a client has been sent.
const clientInvoices = `('sent', 'paid')`

func loadBilling(ctx context.Context, q db.DB, s session, pg *homePage) error {
	rows, err := q.Query(ctx, `SELECT id, number, status, issue_date, due_date, total, paid, credited, currency
		FROM invoices WHERE practice_id = $1 AND entity_id = $2 AND status IN `+clientInvoices+`
		ORDER BY issue_date DESC NULLS LAST, id DESC`, s.Practice, s.EntityID)
	if err != nil {
		return fmt.Errorf("portal: read invoices: %w", err)
	}
	var (
		inv                   invoiceRow
		issued, due           *time.Time
		total, paid, credited decimal.Decimal
		currency              string
	)
	if _, err := pgx.ForEachRow(rows, []any{&inv.ID, &inv.Number, &inv.Status, &issued, &due, &total, &paid, &credited, &currency}, func() error {
		row := inv
		row.Issued, row.Due = dateOr(issued), dateOr(due)
		balance := total.Sub(paid).Sub(credited)
		row.Total, row.Balance, row.Owing = money.Format(total, currency), money.Format(balance, currency), balance.IsPositive()
		row.Status = invoiceStatus(inv.Status, balance)
		pg.Invoices = append(pg.Invoices, row)
		return nil
	}); err != nil {
		return fmt.Errorf("portal: read invoices: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT n.id, n.number, coalesce(i.number, ''), n.issued_on, n.total, i.currency
		FROM credit_notes n JOIN invoices i ON i.practice_id = n.practice_id AND i.id = n.invoice_id
		WHERE n.practice_id = $1 AND i.entity_id = $2 ORDER BY n.issued_on DESC, n.id DESC`, s.Practice, s.EntityID)
	if err != nil {
		return fmt.Errorf("portal: read credit notes: %w", err)
	}
	var n noteRow
	var on time.Time
	if _, err := pgx.ForEachRow(rows, []any{&n.ID, &n.Number, &n.Invoice, &on, &total, &currency}, func() error {
		n.IssuedOn, n.Total = on.Format("2 Jan 2006"), money.Format(total, currency)
		pg.CreditNotes = append(pg.CreditNotes, n)
		return nil
	}); err != nil {
		return fmt.Errorf("portal: read credit notes: %w", err)
	}
	return nil
}

func invoiceStatus(status string, balance decimal.Decimal) string {
	switch {
	case status == "paid" || !balance.IsPositive():
		return "Paid"
	default:
		return "Awaiting payment"
	}
}

func dateOr(d *time.Time) string {
	if d == nil {
		return "—"
	}
	return d.Format("2 Jan 2006")
}

// document sends one of the client's documents; another client's is not
// found, as one that does not exist.
func (h *Handler) document(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var name, ct, key string
	// The practice's own files reach the client only once delivered.
	err := h.deps.DB.QueryRow(ctx, `SELECT file_name, content_type, storage_key FROM documents
		WHERE practice_id = $1 AND id = $2 AND entity_id = $3 AND (source <> 'practice' OR delivery_id IS NOT NULL)`,
		s.Practice, id, s.EntityID).Scan(&name, &ct, &key)
	if errors.Is(err, pgx.ErrNoRows) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, err := h.deps.Blobs.Get(ctx, h.deps.DB, key)
	if errors.Is(err, ErrNoBlob) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, name, ct, data)
}

// invoicePDF draws one of the client's invoices, noting the first time
// the client opened it; another client's, or one not sent, is not found.
func (h *Handler) invoicePDF(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var ok bool
	if err := h.deps.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invoices WHERE practice_id = $1 AND id = $2 AND entity_id = $3
		AND status IN `+clientInvoices+`)`, s.Practice, id, s.EntityID).Scan(&ok); err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		h.notFound(w, r)
		return
	}
	data, name, err := delivery.PDF(ctx, h.deps.DB, s.Practice, id, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.deps.DB.Exec(ctx, `UPDATE invoices SET portal_viewed_at = $4
		WHERE practice_id = $1 AND id = $2 AND entity_id = $3 AND portal_viewed_at IS NULL`, s.Practice, id, s.EntityID, h.deps.Clock.Now()); err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, name, "application/pdf", data)
}

// creditNotePDF draws one of the client's credit notes.
func (h *Handler) creditNotePDF(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var ok bool
	if err := h.deps.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM credit_notes n JOIN invoices i ON i.practice_id = n.practice_id AND i.id = n.invoice_id
		WHERE n.practice_id = $1 AND n.id = $2 AND i.entity_id = $3)`, s.Practice, id, s.EntityID).Scan(&ok); err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		h.notFound(w, r)
		return
	}
	data, name, err := creditnotes.PDF(ctx, h.deps.DB, s.Practice, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sendFile(w, name, "application/pdf", data)
}

// sendFile sends a file as a download; a PDF or picture opens in the
// browser.
func sendFile(w http.ResponseWriter, name, contentType string, data []byte) {
	disposition := "attachment"
	switch contentType {
	case "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp":
		disposition = "inline"
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", mimeDisposition(disposition, name))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, _ = w.Write(data)
}

func mimeDisposition(kind, name string) string {
	if v := mime.FormatMediaType(kind, map[string]string{"filename": name}); v != "" {
		return v
	}
	return kind
}
