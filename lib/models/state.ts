/**
 * pomegranate's `State` (also `Node`): a named distribution, the unit graphical models are built
 * from, and its JSON `{"class":"State","distribution":{...},"name":"s1","weight":1.0}`. A hidden
 * Markov model's silent state has no distribution (`null`, JSON `"distribution":null`).
 */
import { ArilError, show } from '../core/errors.js'
import type { Model } from '../core/model.js'
import { fromJSON } from '../core/serialize.js'

/**
 * A named distribution in a graphical model.
 * @example
 * ```ts
 * const rain = new State(new DiscreteDistribution({ yes: 0.2, no: 0.8 }), 'rain')
 * rain.toJSON() // => { class: 'State', distribution: {...}, name: 'rain', weight: 1 }
 * ```
 */
export class State<D extends Model | null = Model> {
  /**
   * @param distribution what the state emits (`null`: a silent state of a hidden Markov model)
   * @param name its name (pomegranate's default is an id; give one)
   * @param weight pomegranate's state weight, kept for JSON
   */
  constructor (public distribution: D, readonly name: string, readonly weight = 1) {
    if (typeof name !== 'string') throw new ArilError('ERR_INVALID_ARGUMENT', `State: expected a name (a string), got ${show(name)}`)
  }

  toJSON (): { class: 'State'; distribution: object | null; name: string; weight: number } {
    return { class: 'State', distribution: this.distribution === null ? null : this.distribution.toJSON(), name: this.name, weight: this.weight }
  }

  /**
   * Reads pomegranate's State dict; the distribution goes through the model registry.
   * @throws ArilError `ERR_INVALID_JSON_MODEL` for a malformed dict, `ERR_UNKNOWN_MODEL` for a
   *   distribution aril does not know
   */
  static fromJSON (json: unknown): State {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected a State dict, got ${show(json)}`)
    }
    const { class: kind, distribution, name, weight } = json as Record<string, unknown>
    if (kind !== 'State' || typeof name !== 'string' || typeof distribution !== 'object' || distribution === null) {
      throw new ArilError('ERR_INVALID_JSON_MODEL', `Expected a State dict with a name and a distribution, got ${show(kind)} named ${show(name)}`)
    }
    return new State(fromJSON(distribution), name, typeof weight === 'number' ? weight : 1)
  }
}

/** pomegranate's other name for a {@link State}. */
export const Node = State
