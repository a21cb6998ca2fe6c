/**
 * The NexHealth sandbox's fictional people: the families (with every encoding of "her own guarantor"
 * the API uses), the patient with a very large ledger, and the single patients. All names are invented.
 */
import { DX, OD } from './seed-reference';
// ------------------------------------------------------------------------------------------------
// People
// ------------------------------------------------------------------------------------------------

export type Encoding = 'own-id' | 'zero' | 'null';
export interface PersonDef {
  first: string;
  last: string;
  gender: 'Female' | 'Male';
  dob: string;
  inactive?: boolean;
}
/** The seed's families, by the surname used as their key. */
export type NexFamilyKey = 'alvarez' | 'okafor' | 'lindqvist' | 'nakamura' | 'whitfield' | 'patel' | 'brennan' | 'castellanos';
export interface FamilyDef {
  key: NexFamilyKey;
  location: number;
  guarantor: PersonDef & { nonPatient?: boolean; encoding: Encoding };
  dependents: PersonDef[];
  profile?: 'paid-up' | 'inconsistent';
}

export const FAMILIES: FamilyDef[] = [
  {
    key: 'alvarez',
    location: OD,
    guarantor: { first: 'Maria', last: 'Alvarez', gender: 'Female', dob: '1984-03-17', encoding: 'own-id' },
    dependents: [
      { first: 'Diego', last: 'Alvarez', gender: 'Male', dob: '2012-07-02' },
      { first: 'Lucia', last: 'Alvarez', gender: 'Female', dob: '2015-11-23' },
      { first: 'Mateo', last: 'Alvarez', gender: 'Male', dob: '2018-05-09' },
    ],
  },
  {
    key: 'okafor',
    location: OD,
    guarantor: { first: 'Grace', last: 'Okafor', gender: 'Female', dob: '1979-09-30', encoding: 'null', nonPatient: true },
    dependents: [
      { first: 'Chidi', last: 'Okafor', gender: 'Male', dob: '2010-02-14' },
      { first: 'Amara', last: 'Okafor', gender: 'Female', dob: '2013-08-06' },
    ],
  },
  {
    key: 'lindqvist',
    location: OD,
    guarantor: { first: 'Erik', last: 'Lindqvist', gender: 'Male', dob: '1976-12-04', encoding: 'zero' },
    dependents: [
      { first: 'Sofia', last: 'Lindqvist', gender: 'Female', dob: '2009-04-19' },
      { first: 'Nils', last: 'Lindqvist', gender: 'Male', dob: '2014-10-11' },
    ],
  },
  {
    key: 'nakamura',
    location: OD,
    guarantor: { first: 'Kenji', last: 'Nakamura', gender: 'Male', dob: '1981-06-21', encoding: 'null' },
    dependents: [
      { first: 'Aiko', last: 'Nakamura', gender: 'Female', dob: '2008-01-15' },
      { first: 'Haruto', last: 'Nakamura', gender: 'Male', dob: '2011-03-28' },
      { first: 'Yui', last: 'Nakamura', gender: 'Female', dob: '2014-09-07' },
      { first: 'Ren', last: 'Nakamura', gender: 'Male', dob: '2017-12-19' },
    ],
  },
  {
    key: 'whitfield',
    location: OD,
    profile: 'inconsistent',
    guarantor: { first: 'Dana', last: 'Whitfield', gender: 'Female', dob: '1972-08-13', encoding: 'own-id' },
    dependents: [
      { first: 'Owen', last: 'Whitfield', gender: 'Male', dob: '2006-05-25' },
      { first: 'Clara', last: 'Whitfield', gender: 'Female', dob: '2011-02-03' },
    ],
  },
  {
    key: 'patel',
    location: OD,
    profile: 'paid-up',
    guarantor: { first: 'Ravi', last: 'Patel', gender: 'Male', dob: '1969-11-08', encoding: 'own-id' },
    dependents: [{ first: 'Anika', last: 'Patel', gender: 'Female', dob: '2007-06-30' }],
  },
  {
    key: 'brennan',
    location: DX,
    guarantor: { first: 'Siobhan', last: 'Brennan', gender: 'Female', dob: '1983-02-26', encoding: 'own-id' },
    dependents: [
      { first: 'Liam', last: 'Brennan', gender: 'Male', dob: '2010-09-12' },
      { first: 'Nora', last: 'Brennan', gender: 'Female', dob: '2012-12-01' },
      { first: 'Finn', last: 'Brennan', gender: 'Male', dob: '2016-04-17' },
    ],
  },
  {
    key: 'castellanos',
    location: DX,
    guarantor: { first: 'Rafael', last: 'Castellanos', gender: 'Male', dob: '1974-07-22', encoding: 'own-id', nonPatient: true },
    dependents: [
      { first: 'Elena', last: 'Castellanos', gender: 'Female', dob: '2009-10-05' },
      { first: 'Marco', last: 'Castellanos', gender: 'Male', dob: '2013-01-29' },
    ],
  },
];

export const LARGE_LEDGER_PERSON: PersonDef = { first: 'Theodore', last: 'Marsh', gender: 'Male', dob: '1990-04-14' };

export const SINGLES: Array<PersonDef & { location: number }> = [
  { location: OD, first: 'Harriet', last: 'Quinlan', gender: 'Female', dob: '1958-01-20' },
  { location: OD, first: 'Marcus', last: 'Delacroix', gender: 'Male', dob: '1988-10-03' },
  { location: OD, first: 'Priya', last: 'Raman', gender: 'Female', dob: '1993-05-27' },
  { location: OD, first: 'Jonah', last: 'Feldstein', gender: 'Male', dob: '1966-08-15' },
  { location: OD, first: 'Beatrix', last: 'Holloway', gender: 'Female', dob: '1947-12-09' },
  { location: OD, first: 'Samuel', last: 'Oyelaran', gender: 'Male', dob: '1999-03-02' },
  { location: OD, first: 'Ingrid', last: 'Sorensen', gender: 'Female', dob: '1985-07-18' },
  { location: OD, first: 'Tobias', last: 'Wren', gender: 'Male', dob: '1971-02-11', inactive: true },
  { location: OD, first: 'Lena', last: 'Kowalczyk', gender: 'Female', dob: '1996-09-24' },
  { location: OD, first: 'Ahmed', last: 'Farouk', gender: 'Male', dob: '1980-06-06' },
  { location: OD, first: 'Celeste', last: 'Marchand', gender: 'Female', dob: '1962-04-29' },
  { location: OD, first: 'Victor', last: 'Almeida', gender: 'Male', dob: '1975-11-17' },
  { location: OD, first: 'Rosalind', last: 'Tate', gender: 'Female', dob: '2001-01-31' },
  { location: OD, first: 'Gideon', last: 'Pryce', gender: 'Male', dob: '1954-05-05' },
  { location: DX, first: 'Yasmin', last: 'Haddad', gender: 'Female', dob: '1987-03-14' },
  { location: DX, first: 'Felix', last: 'Moreau', gender: 'Male', dob: '1992-08-08' },
  { location: DX, first: 'Noor', last: 'Siddiqui', gender: 'Female', dob: '1978-12-22' },
  { location: DX, first: 'Calvin', last: 'Ostrander', gender: 'Male', dob: '1960-10-10' },
  { location: DX, first: 'Mirela', last: 'Petrovic', gender: 'Female', dob: '1995-02-28' },
  { location: DX, first: 'Declan', last: 'Ashby', gender: 'Male', dob: '1983-07-07', inactive: true },
  { location: DX, first: 'Esther', last: 'Lindgren', gender: 'Female', dob: '1950-09-16' },
  { location: DX, first: 'Omar', last: 'Rahimi', gender: 'Male', dob: '1989-04-03' },
  { location: DX, first: 'Paloma', last: 'Reyes', gender: 'Female', dob: '1998-06-19' },
  { location: DX, first: 'Wesley', last: 'Carrow', gender: 'Male', dob: '1968-01-25' },
];
