; pgEntra's NSIS include (electron-builder `nsis.include`): puts the CLI launcher folder
; $INSTDIR\resources\bin on the user's PATH (HKCU\Environment "Path", REG_EXPAND_SZ) on install
; and removes exactly that entry on uninstall, then tells running programs (Explorer, new shells)
; that the environment changed (WM_SETTINGCHANGE "Environment").
;
; PATH values can be far longer than an NSIS string: makensis holds every string in a buffer of
; NSIS_MAX_STRLEN characters (1024 in a stock build, 8192 in the "large strings" build that
; electron-builder's NSIS toolset is compiled with), and ReadRegStr silently truncates a longer
; value — writing that back would cut the user's PATH. So the value's length is read first with
; RegQueryValueExW through System.dll (no data, only the size), and the PATH is read and rewritten
; only when the whole value plus our entry fits; otherwise nothing is changed and the installer
; says how to add the folder by hand. The same check guards the uninstaller.
;
; No Functions on purpose: electron-builder compiles with -WX, and a Function that one of the two
; builds (installer / uninstaller) does not call is a warning, hence an error.

!ifndef PGENTRA_INSTALLER_NSH
!define PGENTRA_INSTALLER_NSH

!include LogicLib.nsh
!include WinMessages.nsh

!define PGENTRA_BIN_DIR "$INSTDIR\resources\bin"
!define PGENTRA_ENV_KEY "Environment"
!define PGENTRA_ENV_VALUE "Path"
!define PGENTRA_HKEY_CURRENT_USER 0x80000001
!define PGENTRA_KEY_QUERY_VALUE 0x0001
!define PGENTRA_ERROR_FILE_NOT_FOUND 2
!define PGENTRA_REG_SZ 1
!define PGENTRA_REG_EXPAND_SZ 2

!if ${NSIS_MAX_STRLEN} < 8192
  ; Not an error: with short strings the length check below just refuses more often.
  !echo "pgEntra installer.nsh: NSIS_MAX_STRLEN=${NSIS_MAX_STRLEN}; user PATH values longer than about ${NSIS_MAX_STRLEN} characters are left unchanged"
!endif

; Probes HKCU\Environment "Path" without reading it into an NSIS string.
; Out: $0 = "absent" (no such value) | "fits" | "too-long" | "unreadable"; $3 = length in characters
; (as stored, usually with the terminating NUL). Uses $0 $1 $2 $3 $8.
!macro _pgentraProbeUserPath
  StrCpy $3 0
  StrCpy $2 0
  System::Call 'advapi32::RegOpenKeyExW(p ${PGENTRA_HKEY_CURRENT_USER}, w "${PGENTRA_ENV_KEY}", i 0, i ${PGENTRA_KEY_QUERY_VALUE}, *p .r1) i .r0'
  ${If} $0 = ${PGENTRA_ERROR_FILE_NOT_FOUND}
    StrCpy $0 "absent"
  ${ElseIf} $0 <> 0
    StrCpy $0 "unreadable"
  ${Else}
    ; lpData NULL: only the type ($2) and the size in bytes ($3) come back.
    System::Call 'advapi32::RegQueryValueExW(p r1, w "${PGENTRA_ENV_VALUE}", p 0, *i .r2, p 0, *i 0 r3) i .r0'
    System::Call 'advapi32::RegCloseKey(p r1)'
    ${If} $0 = ${PGENTRA_ERROR_FILE_NOT_FOUND}
      StrCpy $0 "absent"
    ${ElseIf} $0 <> 0
      StrCpy $0 "unreadable"
    ${ElseIf} $2 <> ${PGENTRA_REG_SZ}
    ${AndIf} $2 <> ${PGENTRA_REG_EXPAND_SZ}
      StrCpy $0 "unreadable"
    ${Else}
      IntOp $3 $3 / 2
      ; the value, a separator and our entry must fit, with room for the terminating NUL
      StrLen $8 "${PGENTRA_BIN_DIR}"
      IntOp $8 $8 + $3
      IntOp $8 $8 + 2
      ${If} $8 >= ${NSIS_MAX_STRLEN}
        StrCpy $0 "too-long"
      ${Else}
        StrCpy $0 "fits"
      ${EndIf}
    ${EndIf}
  ${EndIf}
!macroend

; Reads the PATH probed above into $4 and checks that nothing was cut: $0 stays "fits" only when
; the string read is as long as the registry said. Uses $0 $3 $4 $5 $6.
!macro _pgentraReadUserPath
  ReadRegStr $4 HKCU "${PGENTRA_ENV_KEY}" "${PGENTRA_ENV_VALUE}"
  StrLen $5 $4
  IntOp $6 $3 - 1
  ${If} $5 <> $3
  ${AndIf} $5 <> $6
    StrCpy $0 "too-long"
  ${EndIf}
!macroend

; Splits $4 at ';'. Out: $9 = $4 without every entry equal to the pgEntra folder (case-insensitive,
; with or without a trailing backslash), all other entries unchanged and in order; $7 = how many
; entries matched. Uses $1 $2 $5 $6 $7 $8 $9.
!macro _pgentraPathWithoutEntry
  StrCpy $9 ""
  StrCpy $7 0
  StrCpy $6 0
  StrCpy $5 ""
  StrLen $2 $4
  StrCpy $1 0
  ${Do}
    ${If} $1 < $2
      StrCpy $8 $4 1 $1
    ${Else}
      StrCpy $8 ";"
    ${EndIf}
    ${If} $8 == ";"
      ${If} $5 == "${PGENTRA_BIN_DIR}"
      ${OrIf} $5 == "${PGENTRA_BIN_DIR}\"
        IntOp $7 $7 + 1
      ${Else}
        ${If} $6 > 0
          StrCpy $9 "$9;"
        ${EndIf}
        StrCpy $9 "$9$5"
        IntOp $6 $6 + 1
      ${EndIf}
      StrCpy $5 ""
    ${Else}
      StrCpy $5 "$5$8"
    ${EndIf}
    IntOp $1 $1 + 1
  ${LoopUntil} $1 > $2
!macroend

!macro _pgentraBroadcastEnvironment
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
!macroend

!macro _pgentraSaveRegisters
  Push $0
  Push $1
  Push $2
  Push $3
  Push $4
  Push $5
  Push $6
  Push $7
  Push $8
  Push $9
!macroend

!macro _pgentraRestoreRegisters
  Pop $9
  Pop $8
  Pop $7
  Pop $6
  Pop $5
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Pop $0
!macroend

!macro customInstall
  !insertmacro _pgentraSaveRegisters
  !insertmacro _pgentraProbeUserPath
  ${If} $0 == "absent"
    WriteRegExpandStr HKCU "${PGENTRA_ENV_KEY}" "${PGENTRA_ENV_VALUE}" "${PGENTRA_BIN_DIR}"
    DetailPrint "Added ${PGENTRA_BIN_DIR} to your PATH"
    !insertmacro _pgentraBroadcastEnvironment
  ${ElseIf} $0 == "fits"
    !insertmacro _pgentraReadUserPath
  ${EndIf}
  ${If} $0 == "fits"
    !insertmacro _pgentraPathWithoutEntry
    ${If} $7 = 0
      ; append, keeping the value exactly as it was in front of the new entry
      StrCpy $5 $4 1 -1
      ${If} $4 == ""
        StrCpy $4 "${PGENTRA_BIN_DIR}"
      ${ElseIf} $5 == ";"
        StrCpy $4 "$4${PGENTRA_BIN_DIR}"
      ${Else}
        StrCpy $4 "$4;${PGENTRA_BIN_DIR}"
      ${EndIf}
      WriteRegExpandStr HKCU "${PGENTRA_ENV_KEY}" "${PGENTRA_ENV_VALUE}" $4
      DetailPrint "Added ${PGENTRA_BIN_DIR} to your PATH"
      !insertmacro _pgentraBroadcastEnvironment
    ${Else}
      DetailPrint "${PGENTRA_BIN_DIR} is already on your PATH"
    ${EndIf}
  ${ElseIf} $0 != "absent"
    DetailPrint "PATH not changed ($0): add ${PGENTRA_BIN_DIR} yourself"
    MessageBox MB_OK|MB_ICONINFORMATION "pgEntra did not add its command-line folder to your PATH: your user PATH is too long (or unreadable) for the installer to change it safely.$\r$\n$\r$\nTo use the pgentra command, add this folder to your user PATH yourself:$\r$\n${PGENTRA_BIN_DIR}" /SD IDOK
  ${EndIf}
  !insertmacro _pgentraRestoreRegisters
!macroend

!macro customUnInstall
  !insertmacro _pgentraSaveRegisters
  !insertmacro _pgentraProbeUserPath
  ${If} $0 == "fits"
    !insertmacro _pgentraReadUserPath
  ${EndIf}
  ${If} $0 == "fits"
    !insertmacro _pgentraPathWithoutEntry
    ${If} $7 > 0
      ${If} $9 == ""
        DeleteRegValue HKCU "${PGENTRA_ENV_KEY}" "${PGENTRA_ENV_VALUE}"
      ${Else}
        WriteRegExpandStr HKCU "${PGENTRA_ENV_KEY}" "${PGENTRA_ENV_VALUE}" $9
      ${EndIf}
      DetailPrint "Removed ${PGENTRA_BIN_DIR} from your PATH"
      !insertmacro _pgentraBroadcastEnvironment
    ${EndIf}
  ${ElseIf} $0 != "absent"
    DetailPrint "PATH not changed ($0): remove ${PGENTRA_BIN_DIR} yourself"
  ${EndIf}
  !insertmacro _pgentraRestoreRegisters
!macroend

!endif
