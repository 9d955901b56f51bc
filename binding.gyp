{
  # node-gyp build of the same native/ sources as CMakeLists.txt (for node-gyp-build and
  # prebuildify). libtorch comes from scripts/find-torch.js, as it does for CMake.
  "targets": [
    {
      "target_name": "fer_ga",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native', {recursive: true}).filter(f => f.endsWith('.cc')).map(f => 'native/' + f).join(' ')\")"
      ],
      "include_dirs": [
        "native",
        "<!@(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-torch.js --gyp include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "<!@(node scripts/find-torch.js --gyp defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter"],
      "libraries": [
        "-L<!@(node scripts/find-torch.js --gyp libdir)",
        "<!@(node scripts/find-torch.js --gyp libs)"
      ]
    }
  ]
}
