/**
 * `POST /v2/online-checkout/payment-links`: its body read and validated into what
 * `SquareStore.createLink` takes. Square takes a `quick_pay` or an `order` form (exactly one).
 */
import { invalid } from './errors';
import type { Seller } from './records';
import type { SquareStore } from './store';
import { bool, httpUrl, type Json, money, object, text } from './validate';

/** The two forms of a CreatePaymentLink body: `quick_pay` or `order` (exactly one). */
export function readLinkRequest(body: Json, seller: Seller): Parameters<SquareStore['createLink']>[1] {
  const quickPay = object(body['quick_pay'], 'quick_pay', false);
  const order = object(body['order'], 'order', false);
  if (quickPay && order) throw invalid('BAD_REQUEST', 'Only one of quick_pay and order may be set.');
  if (!quickPay && !order) throw invalid('MISSING_REQUIRED_PARAMETER', 'One of quick_pay or order is required.', 'quick_pay');
  const checkoutOptions = object(body['checkout_options'], 'checkout_options', false);
  if (checkoutOptions) {
    const redirect = text(checkoutOptions['redirect_url'], 'checkout_options.redirect_url', { max: 2048 });
    if (redirect !== undefined) httpUrl(redirect, 'checkout_options.redirect_url');
    bool(checkoutOptions['allow_tipping'], 'checkout_options.allow_tipping');
    bool(checkoutOptions['ask_for_shipping_address'], 'checkout_options.ask_for_shipping_address');
  }
  const prePopulated = object(body['pre_populated_data'], 'pre_populated_data', false);
  if (prePopulated) {
    text(prePopulated['buyer_email'], 'pre_populated_data.buyer_email', { max: 255 });
    text(prePopulated['buyer_phone_number'], 'pre_populated_data.buyer_phone_number', { max: 32 });
  }
  const paymentNote = text(body['payment_note'], 'payment_note', { max: 500 });
  const description = text(body['description'], 'description', { max: 4096 });
  const common = {
    ...(checkoutOptions ? { checkoutOptions } : {}),
    ...(prePopulated ? { prePopulatedData: prePopulated } : {}),
    ...(paymentNote !== undefined ? { paymentNote } : {}),
    ...(description !== undefined ? { description } : {}),
  };
  const location = (value: unknown, field: string) => {
    const locationId = text(value, field, { required: true })!;
    if (locationId !== seller.locationId)
      throw invalid('INVALID_LOCATION', `Location ${locationId} is not a location of this seller.`, field);
  };
  if (quickPay) {
    const name = text(quickPay['name'], 'quick_pay.name', { required: true, min: 1, max: 255 })!;
    const price = money(quickPay['price_money'], 'quick_pay.price_money');
    location(quickPay['location_id'], 'quick_pay.location_id');
    return { name, lineItems: [{ name, quantity: '1', base: price }], ...common };
  }
  location(order!['location_id'], 'order.location_id');
  const referenceId = text(order!['reference_id'], 'order.reference_id', { max: 40 });
  const items = order!['line_items'];
  if (!Array.isArray(items) || items.length === 0)
    throw invalid('MISSING_REQUIRED_PARAMETER', 'order.line_items must list at least one item.', 'order.line_items');
  const lineItems = items.map((raw, i) => {
    const field = `order.line_items[${i}]`;
    const item = object(raw, field)!;
    const name = text(item['name'], `${field}.name`, { required: true, max: 512 })!;
    const quantity = text(item['quantity'], `${field}.quantity`, { required: true })!;
    if (!/^[1-9][0-9]{0,4}$/.test(quantity))
      throw invalid('INVALID_VALUE', `${field}.quantity must be a positive whole number.`, `${field}.quantity`);
    return { name, quantity, base: money(item['base_price_money'], `${field}.base_price_money`) };
  });
  return { name: lineItems[0]!.name, lineItems, ...(referenceId !== undefined ? { referenceId } : {}), ...common };
}
