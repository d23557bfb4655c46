// Copies non-TypeScript assets (the .proto files, the status page) next to the compiled code in dist/.
import { chmodSync, cpSync, existsSync } from 'node:fs'

cpSync('chain/codec/proto', 'dist/chain/codec/proto', { recursive: true })
cpSync('chain/crypto/verifyWorker.js', 'dist/chain/crypto/verifyWorker.js')
cpSync('rpc/statusPage', 'dist/rpc/statusPage', { recursive: true })
if (existsSync('dist/cli/index.js')) chmodSync('dist/cli/index.js', 0o755)
