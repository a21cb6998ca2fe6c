/**
 * The seeded companies (realms), the OAuth client and what each realm holds at the start, exactly
 * as the team's QuickBooks wire-format spec decides for the project's simulator and every
 * independent one: Item "1", Accounts "4" and "35", PaymentMethods "1" and "3", Customers "58"
 * (active) and "59" (inactive). Smile Dental and Northside are the spec's realms; Bright Family
 * Dentistry (the Square practice) gets a third one so every sandbox practice that collects has books.
 */

export const QBO_CLIENT = { clientId: 'ABsandboxClientId0001', clientSecret: 'sandboxClientSecret0001' } as const;

/** The app's webhook verifier token (one per Intuit app, so one for every realm). */
export const QBO_VERIFIER_TOKEN = 'sandbox-verifier-token';

export interface SeededRealm {
  realmId: string;
  companyName: string;
  /** The sandbox practice whose books it is (sandbox mode). */
  practiceId: string;
  /** The refresh token a connection starts with; it rotates on use. */
  refreshToken: string;
}

function realm(realmId: string, companyName: string, practiceId: string): SeededRealm {
  return { realmId, companyName, practiceId, refreshToken: `RT1-sandbox-${realmId}` };
}

export const QBO_SANDBOX_REALMS = {
  smileDental: realm('9130000000000001', 'Smile Dental', 'smile-dental'),
  northside: realm('9130000000000002', 'Northside', 'northside'),
  brightDentrix: realm('9130000000000003', 'Bright Family Dentistry', 'bright-dentrix'),
} as const;

/**
 * What a practice's `accounting.connection` holds (the gateway's QuickBooks connection config). A
 * type alias, not an interface, so it fits sandbox mode's `Record<string, unknown>` connections.
 */
export type QuickBooksConnection = {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  realmId: string;
  verifierToken: string;
};

/** A seeded realm's connection on a sandbox at `url`, starting from its first refresh token. */
export function qboConnection(url: string, realm: SeededRealm): QuickBooksConnection {
  return {
    baseUrl: url,
    tokenUrl: `${url}/oauth2/v1/tokens/bearer`,
    clientId: QBO_CLIENT.clientId,
    clientSecret: QBO_CLIENT.clientSecret,
    refreshToken: realm.refreshToken,
    realmId: realm.realmId,
    verifierToken: QBO_VERIFIER_TOKEN,
  };
}

/** The ids a practice's `accounting` config names (`depositAccountId`, `itemId`, `paymentMethodId`). */
export const QBO_SEEDED_IDS = {
  /** Item "Patient payment" (Service): the one line of every receipt. */
  itemId: '1',
  /** Account "Checking" (Bank): where receipts are deposited. */
  depositAccountId: '35',
  /** Account "Undeposited Funds" (Other Current Asset). */
  undepositedFundsAccountId: '4',
  /** PaymentMethod "Credit Card". */
  paymentMethodId: '3',
  /** PaymentMethod "Cash". */
  cashPaymentMethodId: '1',
  /** Customer `Jane O'Brien (1042)`, active. */
  activeCustomerId: '58',
  /** Customer `Sam Lee (1043)`, inactive. */
  inactiveCustomerId: '59',
} as const;

/** The name-list entities each realm starts with, as QBO returns them (without `SyncToken`/`MetaData`). */
export function seedEntities(): Array<{ entity: string; fields: Record<string, unknown> }> {
  return [
    {
      entity: 'Account',
      fields: {
        Id: '4',
        Name: 'Undeposited Funds',
        FullyQualifiedName: 'Undeposited Funds',
        AccountType: 'Other Current Asset',
        AccountSubType: 'UndepositedFunds',
        Classification: 'Asset',
        Active: true,
        CurrentBalance: 0,
      },
    },
    {
      entity: 'Account',
      fields: {
        Id: '35',
        Name: 'Checking',
        FullyQualifiedName: 'Checking',
        AccountType: 'Bank',
        AccountSubType: 'Checking',
        Classification: 'Asset',
        Active: true,
        CurrentBalance: 0,
      },
    },
    {
      entity: 'Item',
      fields: { Id: '1', Name: 'Patient payment', FullyQualifiedName: 'Patient payment', Type: 'Service', Active: true },
    },
    { entity: 'PaymentMethod', fields: { Id: '1', Name: 'Cash', Type: 'NON_CREDIT_CARD', Active: true } },
    { entity: 'PaymentMethod', fields: { Id: '3', Name: 'Credit Card', Type: 'CREDIT_CARD', Active: true } },
    {
      entity: 'Customer',
      fields: {
        Id: '58',
        DisplayName: "Jane O'Brien (1042)",
        GivenName: 'Jane',
        FamilyName: "O'Brien",
        FullyQualifiedName: "Jane O'Brien (1042)",
        Active: true,
        Balance: 0,
      },
    },
    {
      entity: 'Customer',
      fields: {
        Id: '59',
        DisplayName: 'Sam Lee (1043)',
        GivenName: 'Sam',
        FamilyName: 'Lee',
        FullyQualifiedName: 'Sam Lee (1043)',
        Active: false,
        Balance: 0,
      },
    },
  ];
}
