// Before File > Open database… hands a file to the core (which migrates it), make sure it is a Ticketscope database
// or a new one. The check itself lives with the store, which applies it on every open (the CLI and serve mode too).
export { databaseProblem } from '../core';
