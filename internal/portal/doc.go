// Package portal is the client's face of Atlas: a small server-rendered
// site where a client's contact, signed in by a link emailed to them, sees
// the documents requested for each period, uploads them, and sees their
// invoices and credit notes.
//
// Sign-in links are a link row (so they expire and can be revoked) named
// by an HMAC-signed token; the session is a cookie naming the same link,
// so revoking a client's links ends its sessions too. Requests for a link
// are throttled per address and per IP in the database (RequestLink), and
// the email goes as a River job (AddWorkers) that signs the token again
// from the link's row, so no working token rests in the job table.
//
// Every POST passes Go's cross-origin protection and carries the
// session's CSRF token (an HMAC of the session token). An upload is read
// as it streams, each file capped (MaxFileBytes), sniffed and matched to
// its extension, named by CleanName and stored under a random key in
// Blobs (PGBlobs: document_blobs); in one transaction the document is
// recorded, the requested item ticked as received from the contact, and
// the pack's preparer told in Slack through the outbox (RenderReceived).
// Another client's document, item or invoice is not found, never
// forbidden, so ids reveal nothing.
package portal
