// The two throwaway CAs' certificates in this folder (README.md), for unit tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const CLASSROOM_CA_PEM = readFileSync(path.join(__dirname, 'classroom-ca.pem'), 'utf8');
export const OTHER_CA_PEM = readFileSync(path.join(__dirname, 'other-ca.pem'), 'utf8');
