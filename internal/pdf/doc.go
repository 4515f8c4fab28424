// Package pdf draws the practice's invoices, credit notes and client
// statements as PDF files that a client can pay from and an accountant
// can file.
//
// A VAT invoice is a legal document: the client reclaims VAT on the
// strength of it, so it carries what the UK VAT Regulations 1995 (reg. 14,
// as amended) ask for — the practice's name, address and VAT number, the
// client's, a number, the date that is also the tax point, each line's
// rate and VAT treatment, and the VAT at each rate. A practice that is not
// VAT-registered must not issue one, so its invoices never say VAT at all.
// A draft is marked on every page, since a preview that escapes by email
// must not be mistaken for a demand.
//
// The package holds its own document model rather than importing the
// billing packages: it draws what it is given, and checks only that the
// figures it is given add up, because a document whose totals disagree
// with its lines is worse than none.
//
// Text is set in DejaVu Sans, embedded from fonts/, because the PDF
// standard fonts stop at Windows-1252 and maroto re-encodes every cell for
// them; the embedded font draws "Zoë", "€" and "Łódź" alike and is several
// times faster. Output with a fixed creation date is the same bytes every
// time, so documents can be compared and cached.
package pdf
