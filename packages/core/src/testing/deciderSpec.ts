import { expect } from 'vitest';
import type { ErrorCode } from '../errors/cairnError.js';
import { CairnError } from '../errors/cairnError.js';

/**
 * given(events).when(command).then(events) for pure deciders (after Emmett's DeciderSpecification).
 * No database, no mocks: the state is the fold of the given events.
 */
export function deciderSpec<TState, TCommand, TEvent, TInput>(decider: {
  decide: (command: TCommand, state: TState, input?: TInput) => TEvent[];
  evolve: (state: TState, event: TEvent) => TState;
  initialState: () => TState;
}) {
  return {
    given(events: TEvent[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        when(command: TCommand, input?: TInput) {
          const run = () => decider.decide(command, state, input);
          return {
            then(expected: TEvent[]): void {
              expect(run()).toEqual(expected);
            },
            thenNothingHappens(): void {
              expect(run()).toEqual([]);
            },
            thenThrows(code: ErrorCode): void {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown, 'the command should have been rejected').toBeInstanceOf(CairnError);
              expect((thrown as CairnError).code).toBe(code);
            },
          };
        },
      };
    },
  };
}
