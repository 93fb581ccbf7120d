"""Real email: shopd hands its messages to an SMTP relay (a sink on loopback).
Customers' names survive the trip whatever their alphabet, and a relay that is
down or deferring delays the mail without losing it or the order."""

import subprocess

from shop import order, wait_for
from side_effect_helpers import CUSTOMER, charges_for, live, mails_to, text_of

ZOE = "Zoë Ærøskøbing-Ñúñez"

# Enough quick email retries to outlast a relay outage of a few tenths of a second.
PATIENT_EMAIL = {"retry": {"email": {"max_attempts": 40, "base_seconds": 0.05, "max_seconds": 0.2}}}


def pdf_text(pdf: bytes) -> str:
    """The text a PDF reader shows: pdftotext (poppler-utils), which also checks the file."""
    reader = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, timeout=30)
    assert reader.returncode == 0 and reader.stderr == b"", reader.stderr
    return reader.stdout.decode("utf-8")


def test_a_customer_named_in_any_alphabet_reads_their_name_intact_in_the_mail_and_the_invoice(shop_factory, stripe,
                                                                                            sink):
    shop = shop_factory(**live(stripe, sink, config={"shop": {"name": "Café Ærø"}}))
    order_id = shop.post_order(order(name=ZOE)).json()["id"]
    number = shop.wait_for_status(order_id, "completed")["steps"]["invoice"]["number"]

    [mail] = sink.wait_for(1)
    # 7-bit on the wire: any relay takes it, with or without SMTPUTF8.
    assert mail.raw.isascii()
    msg = mail.message
    [to] = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == (ZOE, CUSTOMER)
    assert "Café Ærø" in msg["Subject"] and number in msg["Subject"]
    assert ZOE in text_of(msg)
    assert ZOE in msg.get_body(preferencelist=("html",)).get_content()

    [attachment] = list(msg.iter_attachments())
    pdf = attachment.get_payload(decode=True)
    shown = pdf_text(pdf)
    assert ZOE in shown and "Café Ærø" in shown and number in shown


def test_while_the_mail_relay_is_down_the_order_stays_paid_and_the_mail_arrives_once_it_returns(shop_factory, stripe,
                                                                                              sink):
    shop = shop_factory(**live(stripe, sink, config=PATIENT_EMAIL))
    sink.stop()
    order_id = shop.post_order(order()).json()["id"]

    def email_retrying():
        # The relay refuses connections: unanswered attempts, which use up none of max_attempts.
        o = shop.order_status(order_id)
        unanswered = shop.query("SELECT unreachable_attempts AS n FROM outbox WHERE order_id = ? "
                                "AND kind = 'email.confirmation'", order_id)
        retrying = o["steps"]["email"]["state"] == "retrying" and unanswered and unanswered[0]["n"] >= 2
        return o if retrying and o["steps"]["email"]["attempts"] == 0 else None

    during = wait_for(email_retrying, message="the confirmation email to be retrying")
    assert during["status"] == "paid"
    assert during["steps"]["payment"]["state"] == "done"
    assert during["steps"]["invoice"]["state"] == "done"
    [job] = [j for j in shop.admin("GET", "/admin/jobs?state=retrying").json()["data"]
             if j["order_id"] == order_id]
    assert job["kind"] == "email.confirmation"
    assert job["last_error"]

    sink.start()
    [mail] = sink.wait_for(1)
    assert mail.rcpt_tos == [CUSTOMER]
    assert order_id in text_of(mail.message)
    done = shop.wait_for_status(order_id, "completed")
    assert done["steps"]["email"]["state"] == "done"
    assert len(charges_for(stripe, order_id)) == 1


def test_a_relay_that_defers_the_message_gets_it_again_later_and_delivers_it_once(shop_factory, stripe, sink):
    shop = shop_factory(**live(stripe, sink, config=PATIENT_EMAIL))
    sink.set_reply("451 4.3.0 Try again later", count=2)
    order_id = shop.post_order(order()).json()["id"]

    done = shop.wait_for_status(order_id, "completed")
    assert done["steps"]["email"]["attempts"] == 3
    assert len(mails_to(sink, CUSTOMER)) == 1
    [job] = shop.query("SELECT id FROM outbox WHERE order_id = ? AND kind = 'email.confirmation'", order_id)
    attempts = shop.admin("GET", f"/admin/jobs/{job['id']}").json()["job_attempts"]
    assert [a["outcome"] for a in attempts] == ["transient", "transient", "ok"]
    assert [a["error"]["provider_status"] for a in attempts[:2]] == [451, 451]


def test_smtp_credentials_are_never_sent_to_a_relay_that_offers_no_tls(shop_factory, stripe, sink, hook):
    args = live(stripe, sink, hook)
    args["env"].update({"SMTP_USERNAME": "shop", "SMTP_PASSWORD": "relay-secret"})
    shop = shop_factory(**args)  # the sink speaks plain SMTP only: no STARTTLS
    order_id = shop.post_order(order()).json()["id"]

    o = shop.wait_for_status(order_id, "needs_attention")
    assert o["steps"]["payment"]["state"] == "done" and o["steps"]["email"]["state"] == "dead"
    assert sink.messages == []
    alert = hook.wait_for(1)[0]
    assert "email.confirmation" in alert["text"] and order_id in alert["text"]
    assert "tls" in alert["text"].lower()
    assert "relay-secret" not in alert["text"] and "relay-secret" not in shop.log_text()
