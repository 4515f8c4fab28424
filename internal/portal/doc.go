// Package portal is the client's face of Atlas: a small server-rendered
// site where a client's contact, signed in by a link emailed to them, sees
// the documents requested for each period, uploads them, and sees their
// invoices and credit notes.
//
// Sign-in links are a link row (so they expire and can be revoked) named
// by an HMAC-signed token; the session is a cookie naming the same link,
// so revoking a client's links ends its sessions too.
package portal
