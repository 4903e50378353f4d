// A .js file that is an ES module because of package.json "type".
import { sep } from 'node:path';

export const handler = async (event) => ({ typeModule: true, sep, event });
