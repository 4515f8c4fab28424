// Package payments records the money that comes in against sent invoices
// (BILLING.md, Payments): partial and full payments, an overpayment whose
// excess becomes credit on the client's account and is set against the
// client's next invoice when it is sent, and the reversal of a payment
// with a reason. It also reads what clients owe, aged by days past due.
//
// An invoice's balance is total − paid − credited, and its status follows
// the balance: sent while nothing is settled, part paid, then paid. Every
// change locks the invoice's row first, so payments recorded at once never
// apply more than the balance, and writes invoices.paid, the payment, the
// audit event and the card's redrawing in one transaction. Credit on
// account is a ledger per client (account_credits); changes to it lock
// the client's row, so the same credit is never spent twice.
//
// Amounts are decimals, typed as people write them ("£1,200", "1200.50");
// one in another currency than the invoice's is refused, never converted.
package payments
