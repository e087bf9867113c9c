import { z } from 'zod';

/**
 * A 32-bit signed integer: what kube-apiserver's Go types hold (`responseStatus.code` is an int32) and what the
 * store's INTEGER columns hold. A contract that took any integer let one event (`code: 2147483648`) through to
 * a column that refused the whole batch.
 */
export const int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);
