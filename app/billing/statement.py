"""The invoice statement as a PDF (fpdf2): the number, the period, the lines and the total.

fpdf is imported when a statement is first rendered, not when the app starts: its import is 0.4 s of every process's
start (`cspsim serve`, each worker, every CLI command), and few processes ever render a statement."""

from app.models import Invoice, InvoiceLine


def _latin(text: str) -> str:
    # The core PDF fonts speak Latin-1: a name beyond it prints with '?', rather than failing the statement.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_statement(invoice: Invoice, lines: list[InvoiceLine], *, partner_name: str) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF()
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.add_page()

    def row(text: str, *, size: int = 10, bold: bool = False) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", size)
        pdf.cell(0, size * 0.6, _latin(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    row(f"Invoice {invoice.number}", size=16, bold=True)
    row(partner_name)
    row(f"Invoice date: {invoice.invoice_date.date().isoformat()}")
    row(f"Billing period: {invoice.billing_period_start.isoformat()} to {invoice.billing_period_end.isoformat()}")
    row("")
    for line in lines:
        row(
            f"{line.charge_start_date.isoformat()}..{line.charge_end_date.isoformat()}  {line.charge_type:<15} "
            f"{line.customer_name[:24]:<24} {line.product_name[:28]:<28} {line.quantity:>5} "
            f"{line.total:>12} {line.currency}",
            size=8,
        )
    row("")
    row(f"Subtotal: {invoice.subtotal} {invoice.currency}")
    row(f"Tax: {invoice.tax_total} {invoice.currency}")
    row(f"Total: {invoice.total_charges} {invoice.currency}", size=12, bold=True)
    return bytes(pdf.output())
