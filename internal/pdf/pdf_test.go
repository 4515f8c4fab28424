package pdf

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// updateEnv, set to a true value, rewrites the golden files instead of
// comparing with them, as it does for the Block Kit goldens.
const updateEnv = "ATLAS_UPDATE_GOLDEN"

func init() {
	// The Block Kit golden helper defines the same flag; whichever is
	// linked first defines it, and both read it.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/ with the current output instead of comparing")
	}
}

func updating() bool {
	if on, _ := strconv.ParseBool(os.Getenv(updateEnv)); on {
		return true
	}
	on, _ := strconv.ParseBool(flag.Lookup("update").Value.String())
	return on
}

// poppler runs one of poppler-utils' tools on a PDF and returns what it
// printed.
func poppler(t *testing.T, tool string, pdf []byte, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is missing: install poppler-utils (make poppler, or apt-get install poppler-utils)", tool)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(args, file)
	if tool == "pdftotext" {
		args = append(args, "-") // to standard output
	}
	out, err := exec.Command(tool, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return string(out)
}

// layoutText is the text a reader sees, as pdftotext lays it out; pages
// are separated by form feeds.
func layoutText(t *testing.T, pdf []byte) string {
	t.Helper()
	var b strings.Builder
	for _, line := range strings.Split(poppler(t, "pdftotext", pdf, "-layout", "-enc", "UTF-8"), "\n") {
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func pageCount(t *testing.T, pdf []byte) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(poppler(t, "pdfinfo", pdf))
	if m == nil {
		t.Fatal("pdfinfo reports no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// golden compares text with testdata/<name>.txt, or rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name+".txt")
	if updating() {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v; create it with %s=1 go test ./internal/pdf/", err, updateEnv)
	}
	if got != string(want) {
		t.Errorf("%s differs from the document's text (refresh with %s=1 if intended):\n%s", file, updateEnv, diff(string(want), got))
	}
}

// diff lists the lines that differ, by line number.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString(strconv.Itoa(i+1) + "\n  - " + wl + "\n  + " + gl + "\n")
		}
	}
	return b.String()
}

func render(t *testing.T, doc Document) []byte {
	t.Helper()
	b, err := Render(doc, Options{CreationDate: created})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustContain fails for each of wants missing from text.
func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("the document does not say %q", w)
		}
	}
}

func TestStandardRatedInvoice(t *testing.T) {
	text := layoutText(t, render(t, standardInvoice()))
	golden(t, "standard", text)
	mustContain(t, text,
		"VAT invoice", "Ledgerline & Co", "14 Quay Street", "VAT registration number GB 123 4567 89",
		"Harbour Bakery Ltd", "BS1 6WP", "INV-2026-0042", "Date and tax point", "2 Apr 2026", "16 Apr 2026", "March 2026",
		"Standard 20%", "£450.00", "VAT at 20% on £962.00", "£192.40", "£1,154.40", "Balance due",
		"Sort code 20-45-77", "Payment within 14 days")
	if strings.Contains(text, "Total VAT") {
		t.Error("one VAT band needs no VAT total")
	}
	// The long description wraps inside its column instead of running
	// into the quantity.
	if !regexp.MustCompile(`(?m)^Monthly bookkeeping for March 2026:.* 7\.50 h +£60\.00 +Standard 20% +£450\.00$`).MatchString(text) ||
		!regexp.MustCompile(`(?m)^\S.*account reconciled$`).MatchString(text) {
		t.Error("the long description did not wrap inside its column")
	}
}

func TestZeroRatedAndExemptLines(t *testing.T) {
	text := layoutText(t, render(t, zeroRatedAndExempt()))
	golden(t, "zero_exempt", text)
	mustContain(t, text, "Zero-rated 0%", "Exempt", "VAT at 20% on £360.00", "£72.00",
		"VAT at 0% on £85.00 (zero-rated)", "No VAT on £120.00 (exempt)", "Total VAT", "£637.00")
}

func TestOutsideTheScopeDisbursement(t *testing.T) {
	text := layoutText(t, render(t, disbursement()))
	golden(t, "disbursement", text)
	mustContain(t, text, "Companies House confirmation statement", "Outside the scope",
		"VAT at 20% on £75.00", "No VAT on £34.00 (outside the scope)", "£124.00", "Amount paid", "£50.00", "£74.00")
}

func TestWrittenDownAndUpLines(t *testing.T) {
	text := layoutText(t, render(t, writtenDown()))
	golden(t, "written_down", text)
	mustContain(t, text,
		"Time at standard rates £720.00, written down by £120.00, billed £600.00",
		"Time at standard rates £850.00, written up by £100.00, billed £950.00")
	if n := strings.Count(text, "Time at standard rates"); n != 2 {
		t.Errorf("%d lines explain an adjustment; the line billed at its value needs none", n)
	}
}

func TestNotVATRegisteredPractice(t *testing.T) {
	text := layoutText(t, render(t, notRegistered()))
	golden(t, "not_registered", text)
	mustContain(t, text, "Invoice", "Penny Ledger Bookkeeping", "PL-0107", "Amount", "£390.00", "Balance due")
	if strings.Contains(text, "VAT") {
		t.Error("a practice that is not VAT-registered mentions VAT")
	}
}

func TestLongInvoiceRepeatsTheTableHeader(t *testing.T) {
	pdf := render(t, longInvoice(200))
	text := layoutText(t, pdf)
	golden(t, "long", text)
	n := pageCount(t, pdf)
	if n < 2 {
		t.Fatalf("200 lines fit on %d page", n)
	}
	pages := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
	if len(pages) != n {
		t.Fatalf("pdftotext shows %d pages, pdfinfo %d", len(pages), n)
	}
	header := regexp.MustCompile(`Description +Quantity +Rate +VAT +Net`)
	for i, p := range pages {
		if strings.Contains(p, "Bookkeeping session") && !header.MatchString(p) {
			t.Errorf("page %d has lines under no table header", i+1)
		}
		if !strings.Contains(p, "Page "+strconv.Itoa(i+1)+" of "+strconv.Itoa(n)) {
			t.Errorf("page %d is not numbered", i+1)
		}
		if total := strings.Contains(p, "Balance due"); total != (i == n-1) {
			t.Errorf("page %d: totals shown %v; they belong on the last page only", i+1, total)
		}
	}
	for _, line := range []string{"Bookkeeping session 1:", "Bookkeeping session 200:"} {
		if strings.Count(text, line) != 1 {
			t.Errorf("%q appears %d times", line, strings.Count(text, line))
		}
	}
	mustContain(t, text, "VAT at 20% on £18,000.00", "£21,600.00")
}

func TestAccentsAndEuros(t *testing.T) {
	text := layoutText(t, render(t, euroInvoice()))
	golden(t, "euro_accents", text)
	mustContain(t, text, "Café Élysée SARL", "Zoë Brontë", "Préparation des comptes annuels", "€1,850.00",
		"€110.00", "€2,180.00", "No VAT on €2,180.00 (outside the scope)", "FR40303265045", "Reverse charge")
	if strings.Contains(text, "£") {
		t.Error("a euro invoice shows pounds")
	}
}

func TestDraftIsMarkedOnEveryPage(t *testing.T) {
	text := layoutText(t, render(t, draftInvoice()))
	golden(t, "draft", text)
	mustContain(t, text, "DRAFT — not an invoice", "given on issue")

	long := longInvoice(120)
	long.Draft = true
	pdf := render(t, long)
	pages := strings.Split(strings.TrimRight(layoutText(t, pdf), "\f\n"), "\f")
	if len(pages) < 2 {
		t.Fatalf("the long draft has %d page", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "DRAFT — not an invoice") {
			t.Errorf("page %d of the draft is not marked", i+1)
		}
	}
	final := layoutText(t, render(t, standardInvoice()))
	if strings.Contains(final, "DRAFT") {
		t.Error("an issued invoice is marked as a draft")
	}
}

func TestCreditNote(t *testing.T) {
	text := layoutText(t, render(t, creditNote()))
	golden(t, "credit_note", text)
	mustContain(t, text, "VAT credit note", "CN-2026-0003", "Credit for invoice INV-2026-0042 of 2 Apr 2026",
		"Credit to", "VAT at 20% on £12.00", "£2.40", "VAT at 0% on £34.00 (zero-rated)", "Total credit", "£48.40")
	for _, word := range []string{"Balance due", "Amount paid", "Due date"} {
		if strings.Contains(text, word) {
			t.Errorf("a credit note says %q", word)
		}
	}
}

func TestStatement(t *testing.T) {
	pdf, err := RenderStatement(statement(), Options{CreationDate: created})
	if err != nil {
		t.Fatal(err)
	}
	text := layoutText(t, pdf)
	golden(t, "statement", text)
	mustContain(t, text, "Statement of account", "Zoë Brontë", "INV-2026-0036", "Bank transfer",
		"CN-2026-0002", "£612.00", "£72.00", "£1,394.40", "Amount owed", "of which overdue", "£240.00")
}

func TestSameDocumentSameBytes(t *testing.T) {
	docs := map[string]Document{"standard": standardInvoice(), "long": longInvoice(60), "euro": euroInvoice()}
	for name, doc := range docs {
		first := render(t, doc)
		// Concurrent renders share the parsed fonts; they must not disturb
		// each other either.
		var wg sync.WaitGroup
		again := make([][]byte, 4)
		for i := range again {
			wg.Go(func() { again[i] = render(t, doc) })
		}
		wg.Wait()
		for i, b := range again {
			if !bytes.Equal(first, b) {
				t.Errorf("%s: render %d differs from the first", name, i+2)
			}
		}
		for _, stamp := range []string{"/CreationDate (D:20260403093000)", "/ModDate (D:20260403093000)"} {
			if !bytes.Contains(first, []byte(stamp)) {
				t.Errorf("%s: no %s", name, stamp)
			}
		}
	}
	s1, err1 := RenderStatement(statement(), Options{CreationDate: created})
	s2, err2 := RenderStatement(statement(), Options{CreationDate: created})
	if err1 != nil || err2 != nil || !bytes.Equal(s1, s2) {
		t.Errorf("statements differ (%v, %v)", err1, err2)
	}
}

func TestEmbedsDejaVu(t *testing.T) {
	fonts := poppler(t, "pdffonts", render(t, euroInvoice()))
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(fonts), "\n")[2:] {
		rows = append(rows, l)
		if !strings.HasPrefix(strings.ToLower(l), "utf8dejavusans") || !strings.Contains(l, " yes ") {
			t.Errorf("font not embedded DejaVu Sans: %s", l)
		}
	}
	if len(rows) != 2 {
		t.Errorf("want the regular and bold faces, got:\n%s", fonts)
	}
}

func TestRefusesFiguresThatDoNotAddUp(t *testing.T) {
	cases := map[string]func(*Document){
		"subtotal":         func(d *Document) { d.Subtotal = d.Subtotal.Add(decimal.NewFromInt(1)) },
		"VAT":              func(d *Document) { d.VAT = d.VAT.Sub(decimal.NewFromInt(1)) },
		"band missing":     func(d *Document) { d.VATBands = d.VATBands[:0] },
		"total":            func(d *Document) { d.Total = d.Subtotal },
		"balance":          func(d *Document) { d.Paid = decimal.NewFromInt(10) },
		"no number":        func(d *Document) { d.Number = "" },
		"no VAT number":    func(d *Document) { d.Practice.VATNumber = "" },
		"currency":         func(d *Document) { d.Currency = "POUNDS" },
		"VAT unregistered": func(d *Document) { d.VATRegistered = false },
		"treatment":        func(d *Document) { d.Lines[0].VAT = "Standard-ish" },
		"no date":          func(d *Document) { d.IssueDate = time.Time{} },
	}
	for name, spoil := range cases {
		doc := standardInvoice()
		doc.Lines = append([]Line(nil), doc.Lines...)
		spoil(&doc)
		if _, err := Render(doc, Options{CreationDate: created}); err == nil {
			t.Errorf("%s: a document that does not add up was rendered", name)
		}
	}

	cn := creditNote()
	cn.Reference = ""
	if _, err := Render(cn, Options{}); err == nil {
		t.Error("a credit note that credits nothing was rendered")
	}
	eur := euroInvoice()
	eur.Lines[0].VAT, eur.Lines[0].VATRate = Standard, decimal.NewFromInt(20)
	eur = complete(eur)
	if _, err := Render(eur, Options{}); err == nil {
		t.Error("VAT charged in euros was rendered without its sterling amount")
	}
	eur.VATInSterling = decimal.NewNullDecimal(d("316.20"))
	text := layoutText(t, func() []byte {
		b, err := Render(eur, Options{CreationDate: created})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}())
	mustContain(t, text, "VAT in sterling", "£316.20", "€370.00")

	s := statement()
	s.Rows[2].Balance = s.Rows[2].Balance.Add(decimal.NewFromInt(1))
	if _, err := RenderStatement(s, Options{}); err == nil {
		t.Error("a statement whose balance does not run was rendered")
	}
	s = statement()
	s.Owed = decimal.Zero
	if _, err := RenderStatement(s, Options{}); err == nil {
		t.Error("a statement that owes other than its last balance was rendered")
	}
}

func TestCharactersTheFontCannotDraw(t *testing.T) {
	doc := standardInvoice()
	doc.Practice.Name = "Ledgerline & Co 📒"
	doc.Client.Name = "Zoe\u0308 Bronte\u0308 👩🏽‍💼 株式会社"
	doc.Lines = append([]Line(nil), doc.Lines...)
	doc.Lines[1].Description = "VAT return\tfor the quarter\nto 31 March 2026"
	text := layoutText(t, render(t, doc))
	mustContain(t, text, "Zoë Brontë", "VAT return for the quarter to 31 March", "\uFFFD\uFFFD\uFFFD\uFFFD")
	if strings.Contains(text, "株") || strings.Contains(text, "📒") {
		t.Error("characters without glyphs reached the page")
	}
	if got := printable("Café £1 €2 — “quoted”"); got != "Café £1 €2 — “quoted”" {
		t.Errorf("drawable text was changed to %q", got)
	}
}
