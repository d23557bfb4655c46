/**
 * The group-chain format shared by the main chain (anchoring, proof verification) and the
 * group-chain runtime: blocks, the MMR accumulator, checkpoints and inclusion proofs.
 */
export * from './block.js'
export * from './chain.js'
export * from './checkpoint.js'
export * from './errors.js'
export * from './keyEpochs.js'
export * from './merkle.js'
export * from './mmr.js'
export * from './proof.js'
export * from './sealed.js'
export * from './state.js'
export * from './turns.js'
export * from './tx.js'
